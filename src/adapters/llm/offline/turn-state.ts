import type { LanguageModelV3Prompt, LanguageModelV3ToolResultOutput } from '@ai-sdk/provider';

/** A tool call of the current turn with its result, as the prompt carries them. */
export interface SeenToolResult {
  toolName: string;
  input: Record<string, unknown>;
  isError: boolean;
  text: string;
  /** The tool's structured output; null for an error. */
  data: Record<string, unknown> | null;
}

/** What the offline engine decides from: the latest user message and what its tools returned so far. */
export interface TurnState {
  text: string;
  results: SeenToolResult[];
  /** The newest run id seen in this conversation's tool results, for "status" and "results". */
  lastRunId: string | null;
  /** The clean room (UUID) of the newest run in earlier answers of this conversation; null before any run. */
  lastRoomId: string | null;
  /** The newest paged tool result of this conversation, for "show more"; null when none was paged. */
  lastPage: PagedCall | null;
}

/** A tool call whose result came in pages, with the cursor of the page after it (null after the last page). */
export interface PagedCall {
  toolName: string;
  input: Record<string, unknown>;
  nextCursor: string | null;
}

/**
 * Reads the turn from the prompt. Tool results come as the chat tools
 * encode them for every model: JSON `{ text, data }`, or error text.
 */
export function readTurnState(prompt: LanguageModelV3Prompt): TurnState {
  const lastUser = prompt.findLastIndex((message) => message.role === 'user');
  const userMessage = prompt[lastUser];
  const text =
    userMessage?.role === 'user'
      ? userMessage.content.map((part) => (part.type === 'text' ? part.text : '')).join(' ')
      : '';
  const all = collectResults(prompt);
  const earlier = collectResults(prompt.slice(0, Math.max(lastUser, 0)));
  const current = collectResults(prompt.slice(lastUser + 1));
  return {
    text,
    results: current,
    lastRunId: newestRunId(all),
    lastRoomId: newestRunRoomId(earlier),
    lastPage: newestPage(all),
  };
}

function collectResults(prompt: LanguageModelV3Prompt): SeenToolResult[] {
  const inputs = new Map<string, Record<string, unknown>>();
  const results: SeenToolResult[] = [];
  for (const message of prompt) {
    if (message.role !== 'assistant' && message.role !== 'tool') continue;
    for (const part of message.content) {
      if (part.type === 'tool-call') inputs.set(part.toolCallId, asRecord(part.input) ?? {});
      if (part.type === 'tool-result')
        results.push({
          toolName: part.toolName,
          input: inputs.get(part.toolCallId) ?? {},
          ...decodeOutput(part.output),
        });
    }
  }
  return results;
}

function decodeOutput(
  output: LanguageModelV3ToolResultOutput,
): Pick<SeenToolResult, 'isError' | 'text' | 'data'> {
  if (output.type === 'json') {
    const value = asRecord(output.value);
    const text = typeof value?.text === 'string' ? value.text : JSON.stringify(output.value);
    return { isError: false, text, data: asRecord(value?.data) };
  }
  if (output.type === 'text') return { isError: false, text: output.value, data: null };
  if (output.type === 'error-text') return { isError: true, text: output.value, data: null };
  if (output.type === 'error-json')
    return { isError: true, text: JSON.stringify(output.value), data: null };
  return { isError: true, text: 'The tool returned no usable output.', data: null };
}

function newestRunId(results: SeenToolResult[]): string | null {
  for (const result of [...results].reverse()) {
    const run = asRecord(result.data?.run);
    if (typeof run?.id === 'string') return run.id;
    if (typeof result.data?.runId === 'string') return result.data.runId;
  }
  return null;
}

function newestRunRoomId(results: SeenToolResult[]): string | null {
  for (const result of [...results].reverse()) {
    const run = asRecord(result.data?.run);
    if (typeof run?.cleanRoomId === 'string') return run.cleanRoomId;
  }
  return null;
}

function newestPage(results: SeenToolResult[]): PagedCall | null {
  for (const result of [...results].reverse()) {
    const nextCursor = result.data?.nextCursor;
    if (result.isError || nextCursor === undefined) continue;
    return {
      toolName: result.toolName,
      input: result.input,
      nextCursor: typeof nextCursor === 'string' ? nextCursor : null,
    };
  }
  return null;
}

export function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}
