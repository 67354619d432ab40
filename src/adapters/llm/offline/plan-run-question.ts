import { randomUUID } from 'node:crypto';
import {
  answer,
  callTools,
  resultsOf,
  textForPeople,
  toolErrorAnswer,
  type OfflineAction,
} from './offline-action.ts';
import { escapeMarkdown } from '../../../domain/text/escape-markdown.ts';
import { chooseDataset, readAmbiguousDatasets } from './dataset-choice.ts';
import type { ChatRequest, QuestionTemplate } from './parse-request.ts';
import {
  listedPartners,
  listedRooms,
  matchingRooms,
  needsPartners,
  type RoomSummary,
} from './room-choice.ts';
import { asRecord, type SeenToolResult, type TurnState } from './turn-state.ts';
import { noRoomAnswer, roomCandidates } from './room-listing.ts';
import { unfitRoomLines } from './unfit-rooms-answer.ts';

type RunQuestionRequest = Extract<ChatRequest, { kind: 'run_question' }>;

/** Maximum number of rooms whose partners the engine reads in one step to find the room a sentence means. */
const ROOMS_TO_SEARCH_MAX = 5;
/** Rooms checked with preview_run in one step when several could take the question. */
const ROOMS_PREVIEWED_PER_STEP = 5;
/** Maximum number of rooms checked with preview_run in one turn, which bounds the turn to four preview steps. */
const ROOMS_PREVIEWED_MAX = 20;
/** Result rows the answer shows. The user can page through the rest with get_results. */
const RESULT_ROWS_SHOWN = 50;

export const QUESTION_NAMES: Record<QuestionTemplate, string> = {
  audience_overlap: 'audience overlap and index',
  reach_frequency: 'reach and frequency',
  attribution: 'conversion attribution',
  segment_sizing: 'segment sizing',
};

const DATED_QUESTIONS: QuestionTemplate[] = ['reach_frequency', 'attribution'];
const ATTRIBUTE_QUESTIONS: QuestionTemplate[] = ['audience_overlap', 'segment_sizing'];

/**
 * Plans the steps of "run a question": find the room, start the run and
 * wait for it, then read its result. Each call decides from the tool
 * results of this turn, so the steps follow in order and end.
 */
export function planRunQuestion(
  request: RunQuestionRequest,
  turn: Pick<TurnState, 'results' | 'lastRoomId'>,
  runWaitSeconds: number,
): OfflineAction {
  const { results } = turn;
  const needsAttribute = ATTRIBUTE_QUESTIONS.includes(request.template);
  if (needsAttribute && request.attribute === null) return askForAttribute(request.template);

  const started = resultsOf(results, 'start_run').at(-1);
  if (started) return afterStart(started, results, request);

  const room = chooseRoom(request, results, turn.lastRoomId);
  if (!('id' in room)) return room;
  return callTools([
    {
      toolName: 'start_run',
      input: {
        ...runRequest(room, request),
        idempotencyKey: randomUUID(),
        waitSeconds: runWaitSeconds,
      },
    },
  ]);
}

function runRequest(room: RoomSummary, request: RunQuestionRequest) {
  return {
    cleanRoomId: room.id,
    questionId: request.template,
    parameters: questionParameters(request),
  };
}

function askForAttribute(template: QuestionTemplate): OfflineAction {
  return answer(
    `To run ${QUESTION_NAMES[template]} I need the partner attribute to break it down by. Say it after "by", for example "${QUESTION_NAMES[template]} by region". Ask "which datasets are attached?" to see the attributes of your partners' datasets.`,
  );
}

/**
 * Returns the room to run in, or the next action that finds it. The
 * room of the conversation's previous run is tried first, so a follow-up
 * stays in the room of the previous answer.
 */
function chooseRoom(
  request: RunQuestionRequest,
  results: SeenToolResult[],
  lastRoomId: string | null,
): RoomSummary | OfflineAction {
  const found = roomCandidates(request.room, request.template, results);
  if (!('rooms' in found)) return found;
  const { listing, rooms } = found;
  if (rooms.length === 0) return noRoomAnswer(listing);

  const partners = listedPartners(results);
  const byKind = listing.input.partnerKind !== undefined;
  const filtered = byKind || listing.input.datasetsFor !== undefined;
  if (partners.size === 0 && !byKind && needsPartners(request.room, rooms)) {
    const searched = rooms.slice(0, ROOMS_TO_SEARCH_MAX);
    return callTools(
      searched.map((room) => ({ toolName: 'list_partners', input: { cleanRoomId: room.id } })),
    );
  }

  const candidates = previousRoomFirst(matchingRooms(request.room, rooms, partners), lastRoomId);
  if (candidates.length <= 1) return candidates[0] ?? answer('No clean room matches your request.');
  const everyRoom = candidates.length === rooms.length && !listingHasMore(listing) && !filtered;
  return roomWhereQuestionFits(request, candidates, results, everyRoom, lastRoomId);
}

function previousRoomFirst(rooms: RoomSummary[], lastRoomId: string | null): RoomSummary[] {
  const previous = rooms.find((room) => room.id === lastRoomId);
  return previous ? [previous, ...rooms.filter((room) => room !== previous)] : rooms;
}

/** Checks whether the list_clean_rooms page left rooms out. */
function listingHasMore(listing: SeenToolResult): boolean {
  return typeof listing.data?.nextCursor === 'string';
}

/**
 * Among several candidate rooms, checks the request in each with
 * preview_run (the datasets it binds and the attribute it reads) and picks
 * the first that passes. The previous answer's room, first among the
 * candidates when it is one, is checked alone. The others are listed
 * newest first and checked a few per step, up to ROOMS_PREVIEWED_MAX, so
 * the pick is otherwise the newest room where the question can run. A room
 * where only the dataset choice is open (several datasets fit) counts as
 * passing, because start_run settles it.
 */
function roomWhereQuestionFits(
  request: RunQuestionRequest,
  candidates: RoomSummary[],
  results: SeenToolResult[],
  everyRoom: boolean,
  previousRoomId: string | null,
): RoomSummary | OfflineAction {
  const previews = resultsOf(results, 'preview_run');
  const previewOf = (room: RoomSummary) =>
    previews.find((preview) => preview.input.cleanRoomId === room.id);
  const checked = candidates.filter((room) => previewOf(room) !== undefined);
  const fitting = checked.find((room) => {
    const preview = previewOf(room);
    return preview !== undefined && (!preview.isError || readAmbiguousDatasets(preview) !== null);
  });
  if (fitting) return fitting;

  const unchecked = candidates.filter((room) => previewOf(room) === undefined);
  // The previous answer's room is checked alone first, because a follow-up usually fits there.
  const previous = unchecked[0];
  if (previous !== undefined && previous.id === previousRoomId)
    return callTools([{ toolName: 'preview_run', input: runRequest(previous, request) }]);
  const previewBudget = Math.min(ROOMS_PREVIEWED_PER_STEP, ROOMS_PREVIEWED_MAX - checked.length);
  if (unchecked.length > 0 && previewBudget > 0)
    return callTools(
      unchecked
        .slice(0, previewBudget)
        .map((room) => ({ toolName: 'preview_run', input: runRequest(room, request) })),
    );

  const reasons = unfitRoomLines(checked, (room) => previewOf(room)?.text ?? '');
  const question = QUESTION_NAMES[request.template];
  if (unchecked.length === 0)
    return answer(
      [
        everyRoom
          ? `${question} cannot run as asked in any of your clean rooms:`
          : `${question} cannot run as asked in the clean rooms that match your request:`,
        ...reasons,
      ].join('\n'),
    );
  return answer(
    [
      `${question} cannot run as asked in the ${checked.length} newest clean rooms that match your request, the ones I checked:`,
      ...reasons,
      `I did not check your ${unchecked.length} older ones. To use one of them, name it by display id, for example "${question} in ${unchecked[0]?.displayId ?? 'CR-000001'}".`,
    ].join('\n'),
  );
}

/** Names the room of a start_run call by display id and name, as the room listing of this turn shows it. */
function roomLabel(results: SeenToolResult[], started: SeenToolResult): string {
  const roomId = started.input.cleanRoomId;
  const room = (listedRooms(results) ?? []).find(
    (item) => item.id === roomId || item.displayId === roomId,
  );
  return room ? `${room.displayId} (${escapeMarkdown(room.name)})` : 'this clean room';
}

/** Names the room the engine chose when it had to choose among several, for the answer's first line. */
function chosenRoomNote(results: SeenToolResult[], started: SeenToolResult): string {
  if (resultsOf(results, 'preview_run').length < 2) return '';
  const room = (listedRooms(results) ?? []).find((item) => item.id === started.input.cleanRoomId);
  if (!room) return '';
  return `I ran it in ${room.displayId} (${escapeMarkdown(room.name)}), the most recent of your rooms where this question fits. `;
}

function questionParameters(request: RunQuestionRequest): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  if (ATTRIBUTE_QUESTIONS.includes(request.template) && request.attribute)
    parameters.attribute = request.attribute;
  if (DATED_QUESTIONS.includes(request.template) && request.dates) {
    parameters.date_start = request.dates.start;
    parameters.date_end = request.dates.end;
  }
  if (request.template === 'attribution' && request.model) parameters.model = request.model;
  if (request.template === 'attribution' && request.lookbackDays)
    parameters.lookback_days = request.lookbackDays;
  return parameters;
}

function afterStart(
  started: SeenToolResult,
  results: SeenToolResult[],
  request: RunQuestionRequest,
): OfflineAction {
  if (started.isError)
    return (
      chooseDataset(started, request.room.text, roomLabel(results, started)) ??
      toolErrorAnswer(started)
    );

  const run = asRecord(started.data?.run);
  const runId = String(run?.id ?? '');
  const read = resultsOf(results, 'get_results').at(-1);
  if (read)
    return read.isError
      ? toolErrorAnswer(read)
      : resultAnswer(read, run, request, chosenRoomNote(results, started));
  if (run?.status === 'COMPLETED')
    return callTools([{ toolName: 'get_results', input: { runId, limit: RESULT_ROWS_SHOWN } }]);
  if (run?.status === 'FAILED')
    return answer(
      `Run ${runId} failed: ${escapeMarkdown(String(run.failureReason ?? 'no reason given'))}.`,
    );
  if (run?.status === 'CANCELLED') return answer(`Run ${runId} was cancelled.`);
  return answer(
    `I started run ${runId}; it is ${String(run?.status ?? 'QUEUED')} (${String(run?.progress ?? 0)}% done). Ask me for its status or its results in a moment.`,
  );
}

function resultAnswer(
  read: SeenToolResult,
  run: Record<string, unknown> | null,
  request: RunQuestionRequest,
  note: string,
): OfflineAction {
  const parameters = asRecord(run?.parameters) ?? {};
  const described = Object.entries(parameters)
    .map(([name, value]) => escapeMarkdown(`${name} ${JSON.stringify(value)}`))
    .join(', ');
  const question = QUESTION_NAMES[request.template];
  const lines = [
    `${note}Here is the ${question} result of run ${String(run?.id)}${described ? ` (${described})` : ''}.`,
  ];
  if (request.dates && !DATED_QUESTIONS.includes(request.template))
    lines.push(`The ${question} question takes no dates, so it covers the whole datasets.`);
  return answer(`${lines.join(' ')}\n\n${textForPeople(read.text)}`);
}
