import type { TextStreamPart, ToolSet } from 'ai';
import { APICallError, RetryError } from 'ai';
import type { ChatStreamEvent } from '../../domain/chat/chat-stream-event.ts';
import { isAppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { escapeMarkdown } from '../../domain/text/escape-markdown.ts';
import type { ServiceContext } from '../service-context.ts';
import type { AnswerRecorder } from './answer-recorder.ts';
import { buildRunEvidence } from './build-run-evidence.ts';
import type { ChatToolOutput } from './chat-tools.ts';

export const CUT_OFF_CALL_TEXT =
  'Not run: the arguments of this call were cut off or are not valid JSON.';

/** Tools whose result is about one run, so the answer attaches the run's evidence. */
const RUN_TOOLS = new Set(['start_run', 'get_run', 'get_results', 'cancel_run']);

export interface TranslateContext {
  services: ServiceContext;
  caller: Caller;
  messageId: string;
  recorder: AnswerRecorder;
  /** Run id and status of every evidence event already sent, so each state is sent once. */
  evidenceSent: Set<string>;
}

/** Turns one part of the AI SDK's full stream into chat events, recording what the answer produced. */
export async function translateStreamPart(
  part: TextStreamPart<ToolSet>,
  context: TranslateContext,
): Promise<ChatStreamEvent[]> {
  const { recorder, messageId } = context;
  switch (part.type) {
    case 'text-start':
      return separateSteps(context);
    case 'text-delta':
      recorder.text += part.text;
      return part.text ? [{ type: 'text_delta', messageId, text: part.text }] : [];
    case 'tool-call':
      return [recordToolCall(part, context)];
    case 'tool-result':
      return toolResultEvents(part, context);
    case 'tool-error':
      return [recordToolError(part, context)];
    case 'finish-step':
      recorder.steps += 1;
      recorder.lastStepFinish = part.finishReason;
      return [];
    case 'abort':
      recorder.aborted = true;
      return [];
    case 'error':
      recorder.failed = true;
      return [errorEvent(part.error, context)];
    default:
      return [];
  }
}

/** Text written after tool calls starts a new paragraph. */
function separateSteps({ recorder, messageId }: TranslateContext): ChatStreamEvent[] {
  if (recorder.text === '' || recorder.text.endsWith('\n')) return [];
  recorder.text += '\n\n';
  return [{ type: 'text_delta', messageId, text: '\n\n' }];
}

function recordToolCall(
  part: Extract<TextStreamPart<ToolSet>, { type: 'tool-call' }>,
  { recorder, messageId }: TranslateContext,
): ChatStreamEvent {
  const invalid = 'invalid' in part && part.invalid === true;
  recorder.toolCalls.push({
    toolCallId: part.toolCallId,
    toolName: part.toolName,
    input: part.input,
    ...(invalid ? { invalid } : {}),
  });
  return {
    type: 'tool_call',
    messageId,
    toolCallId: part.toolCallId,
    toolName: part.toolName,
    input: part.input,
  };
}

async function toolResultEvents(
  part: Extract<TextStreamPart<ToolSet>, { type: 'tool-result' }>,
  context: TranslateContext,
): Promise<ChatStreamEvent[]> {
  const output = part.output as ChatToolOutput;
  const base = {
    type: 'tool_result',
    messageId: context.messageId,
    toolCallId: part.toolCallId,
    toolName: part.toolName,
  } as const;
  // The run start_run created gets its evidence card now, while the call still waits for the run.
  if (output.kind === 'run') return evidenceEvent({ runId: output.runId }, context);
  if (output.kind === 'progress')
    return [{ ...base, isError: false, text: output.text, preliminary: true }];
  if (part.preliminary) return [];

  const { outcome } = output;
  const data = outcome.isError ? null : outcome.structuredContent;
  context.recorder.toolResults.push({
    toolCallId: part.toolCallId,
    toolName: part.toolName,
    isError: outcome.isError,
    text: outcome.text,
    data,
  });
  const result: ChatStreamEvent = { ...base, isError: outcome.isError, text: outcome.text };
  const evidence = data && RUN_TOOLS.has(part.toolName) ? await evidenceEvent(data, context) : [];
  return [result, ...evidence];
}

function recordToolError(
  part: Extract<TextStreamPart<ToolSet>, { type: 'tool-error' }>,
  { recorder, messageId }: TranslateContext,
): ChatStreamEvent {
  const text = recorder.isInvalidCall(part.toolCallId)
    ? CUT_OFF_CALL_TEXT
    : `The tool failed: ${escapeMarkdown(errorText(part.error))}`;
  recorder.toolResults.push({
    toolCallId: part.toolCallId,
    toolName: part.toolName,
    isError: true,
    text,
    data: null,
  });
  return {
    type: 'tool_result',
    messageId,
    toolCallId: part.toolCallId,
    toolName: part.toolName,
    isError: true,
    text,
  };
}

/** Builds the evidence event of the run a tool result is about, once per run and status. */
async function evidenceEvent(
  data: Record<string, unknown>,
  context: TranslateContext,
): Promise<ChatStreamEvent[]> {
  const runId = runIdOf(data);
  if (runId === null) return [];

  try {
    const evidence = await buildRunEvidence(context.services, context.caller, runId);
    const key = `${evidence.runId} ${evidence.status}`;
    if (context.evidenceSent.has(key)) return [];

    context.evidenceSent.add(key);
    context.recorder.evidence.push(evidence);
    return [{ type: 'evidence', messageId: context.messageId, evidence }];
  } catch (err) {
    // The tool result already reached the user, so only its evidence card is missing.
    context.services.log.warn({ err, runId }, 'run evidence not built');
    return [];
  }
}

function runIdOf(data: Record<string, unknown>): string | null {
  const run = data.run as { id?: unknown } | undefined;
  if (typeof run?.id === 'string') return run.id;
  return typeof data.runId === 'string' ? data.runId : null;
}

function errorEvent(error: unknown, { messageId, services }: TranslateContext): ChatStreamEvent {
  services.log.warn({ err: error }, 'chat model call failed');
  if (isAppError(error) && error.status < 500)
    return { type: 'answer_error', messageId, code: error.code, message: error.userMessage };
  return {
    type: 'answer_error',
    messageId,
    code: 'LLM_FAILED',
    message: `The language model did not answer: ${errorText(error)}. Try again; if it keeps failing, check the LLM_* settings.`,
  };
}

/**
 * Describes an error briefly and safely: the HTTP status of a failed model
 * call, the type and message of an error the model service streamed, or the
 * error's message.
 */
function errorText(error: unknown): string {
  if (RetryError.isInstance(error)) return errorText(error.lastError);
  if (APICallError.isInstance(error))
    return error.statusCode
      ? `HTTP ${error.statusCode} from the model service`
      : 'the model service is unreachable';
  if (error instanceof Error) return error.message;
  if (isStreamedError(error)) return `the model service reported ${error.type}: ${error.message}`;
  return String(error);
}

/**
 * Tells whether the error is an error event of a model's stream, which a
 * provider passes on as the plain object it received. Anthropic streams
 * `{ type: 'overloaded_error', message }` when it fails after the response
 * started, and @ai-sdk/anthropic 3.0.140 passes that object on.
 */
function isStreamedError(error: unknown): error is { type: string; message: string } {
  if (typeof error !== 'object' || error === null) return false;
  const { type, message } = error as Record<string, unknown>;
  return typeof type === 'string' && typeof message === 'string';
}
