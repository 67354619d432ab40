import { escapeMarkdown } from '../../../domain/text/escape-markdown.ts';
import {
  answer,
  callTools,
  resultsOf,
  textForPeople,
  toolErrorAnswer,
  type OfflineAction,
} from './offline-action.ts';
import { parseRequest, type ChatRequest, type ListSubject } from './parse-request.ts';
import { planRunQuestion } from './plan-run-question.ts';
import { listedPartners, listedRooms, matchingRooms, type RoomSummary } from './room-choice.ts';
import { asRecord, type SeenToolResult, type TurnState } from './turn-state.ts';

/** Maximum number of rooms a list answer covers when the sentence names none. */
const ROOMS_LISTED_MAX = 5;

export const HELP_TEXT = [
  'I can help with your clean rooms. Try:',
  '- "list my clean rooms", "who are the partners?", "which datasets are attached?", "what questions can I run?"',
  '- "what is our overlap with the publisher by age band?"',
  '- "reach and frequency over the last 30 days", "attribution in November 2026 with a 14-day lookback", "segment sizing by region"',
  '- "status", "show the results", "cancel the run" for the latest run of this conversation, or with a run id.',
].join('\n');

const LIST_TOOLS: Record<Exclude<ListSubject, 'clean_rooms'>, string> = {
  partners: 'list_partners',
  datasets: 'list_datasets',
  questions: 'list_questions',
};

export interface IntentEngineOptions {
  today: Date;
  runWaitSeconds: number;
}

/** Decides the offline engine's next step for a turn, by fixed rules. */
export function decideNextAction(turn: TurnState, options: IntentEngineOptions): OfflineAction {
  const request = parseRequest(turn.text, options.today);
  switch (request.kind) {
    case 'help':
      return answer(HELP_TEXT);
    case 'list':
      return planList(request, turn);
    case 'run_question':
      return planRunQuestion(request, turn, options.runWaitSeconds);
    case 'status':
      return planRunLookup(turn, request.runId, 'get_run');
    case 'results':
      return planRunLookup(turn, request.runId, 'get_results');
    case 'cancel':
      return planRunLookup(turn, request.runId, 'cancel_run');
    case 'more':
      return planNextPage(turn);
  }
}

function planList(request: Extract<ChatRequest, { kind: 'list' }>, turn: TurnState): OfflineAction {
  const { results } = turn;
  const failed = results.find((result) => result.isError);
  if (failed) return toolErrorAnswer(failed);

  const rooms = listedRooms(results);
  if (request.subject === 'clean_rooms') {
    if (rooms !== null) return answerRoomList(turn, rooms.length, request.search);
    const search = request.search ?? undefined;
    return callTools([{ toolName: 'list_clean_rooms', input: { search, limit: 100 } }]);
  }

  const toolName = LIST_TOOLS[request.subject];
  if (resultsOf(results, toolName).length > 0) return answer(textOfAll(turn, toolName));
  if (request.room.displayId)
    return callTools([{ toolName, input: { cleanRoomId: request.room.displayId } }]);
  if (rooms === null) return callTools([{ toolName: 'list_clean_rooms', input: { limit: 100 } }]);
  if (rooms.length === 0) return answer('You are not a partner of any clean room yet.');

  const chosen = matchingRooms(request.room, rooms, listedPartners(results));
  return callTools(chosen.slice(0, ROOMS_LISTED_MAX).map((room) => listCall(toolName, room)));
}

function answerRoomList(turn: TurnState, roomCount: number, search: string | null): OfflineAction {
  if (roomCount > 0) return answer(textOfAll(turn));
  if (search === null) return answer('You are not a partner of any clean room yet.');
  return answer(
    `No clean room has "${escapeMarkdown(search)}" in its name or display id. Say "list my clean rooms" to see them all.`,
  );
}

/** Reads the page after the newest paged result of the conversation, for "show more". */
function planNextPage(turn: TurnState): OfflineAction {
  const page = turn.lastPage;
  if (page === null)
    return answer(
      "There is nothing to show more of yet. Ask me for your clean rooms or a run's results first.",
    );

  const done = resultsOf(turn.results, page.toolName).at(-1);
  if (done) return done.isError ? toolErrorAnswer(done) : answer(textForPeople(done.text));
  if (page.nextCursor === null) return answer('That was everything: there is no next page.');

  // The cursor replaces an offset the first page was read with.
  const input: Record<string, unknown> = { ...page.input, cursor: page.nextCursor };
  delete input.offset;
  return callTools([{ toolName: page.toolName, input }]);
}

function listCall(toolName: string, room: RoomSummary) {
  return { toolName, input: { cleanRoomId: room.id } };
}

/** Joins the texts of this turn's results (all, or one tool's), one paragraph each. */
function textOfAll(turn: TurnState, toolName?: string): string {
  const selected = toolName ? resultsOf(turn.results, toolName) : turn.results;
  return selected.map((result) => textForPeople(result.text)).join('\n\n');
}

function planRunLookup(turn: TurnState, runId: string | null, toolName: string): OfflineAction {
  const done = resultsOf(turn.results, toolName).at(-1);
  if (done) return done.isError ? toolErrorAnswer(done) : answer(runTextForPeople(done));

  const target = runId ?? turn.lastRunId;
  if (target === null)
    return answer(
      'This conversation has no run yet. Ask me to run a question, or give me a run id.',
    );
  return callTools([{ toolName, input: { runId: target } }]);
}

/** Next steps for a run's status, worded for the person chatting rather than for a model. */
const NEXT_STEP_FOR_PEOPLE: Record<string, string> = {
  QUEUED: 'Ask me for its status again in a moment.',
  RUNNING: 'Ask me for its status again in a moment.',
  COMPLETED: 'Ask me to show the results.',
  CANCELLED: 'It was cancelled, so it has no result.',
};

/**
 * Describes a get_run result without the tool's hints for
 * models ("Call get_results with this runId"); other results as they are.
 */
function runTextForPeople(result: SeenToolResult): string {
  const run = asRecord(result.data?.run);
  if (result.toolName !== 'get_run' || run === null) return textForPeople(result.text);

  const status = String(run.status);
  const progress = status === 'RUNNING' ? ` (${String(run.progress)}% done)` : '';
  const next =
    status === 'FAILED'
      ? `It failed: ${escapeMarkdown(String(run.failureReason ?? 'no reason recorded'))}.`
      : (NEXT_STEP_FOR_PEOPLE[status] ?? '');
  return `Run "${escapeMarkdown(String(run.name))}" (run id ${String(run.id)}) is ${status}${progress}. ${next}`.trim();
}
