import type { SeenToolResult } from './turn-state.ts';

export interface PlannedToolCall {
  toolName: string;
  input: Record<string, unknown>;
}

/** The offline engine's next step: call tools (after an optional short text), or answer. */
export type OfflineAction =
  { kind: 'tools'; text: string; calls: PlannedToolCall[] } | { kind: 'answer'; text: string };

export function callTools(calls: PlannedToolCall[], text = ''): OfflineAction {
  return { kind: 'tools', text, calls };
}

export function answer(text: string): OfflineAction {
  return { kind: 'answer', text };
}

/** Results of one tool in the current turn, in call order. */
export function resultsOf(results: SeenToolResult[], toolName: string): SeenToolResult[] {
  return results.filter((result) => result.toolName === toolName);
}

/** The purpose of each tool call, worded for the person chatting. */
const TOOL_PURPOSES: Record<string, string> = {
  list_clean_rooms: 'list your clean rooms',
  list_partners: 'list the partners',
  list_datasets: 'list the datasets',
  list_questions: 'list the questions',
  preview_run: 'check the question',
  start_run: 'start the run',
  get_run: 'read the run status',
  get_results: 'read the results',
  cancel_run: 'cancel the run',
};

/** A tool error text's leading error code, such as "PARAMETER_INVALID: ". */
const ERROR_CODE_PREFIX = /^[A-Z][A-Z0-9_]+:\s*/;

/** Returns a tool error text without its leading error code. */
export function reasonForPeople(errorText: string): string {
  return errorText.replace(ERROR_CODE_PREFIX, '').trim();
}

/**
 * States a tool error for people: what failed and what to say next. The
 * error code stays in the tool result (the tool_result event), not in the
 * answer. The chat escapes tool error texts for markdown when it makes a
 * call's outcome (toMarkdownOutcome), so they are quoted unchanged, because
 * escaping them again would show the backslashes.
 */
export function toolErrorAnswer(result: SeenToolResult): OfflineAction {
  const purpose = TOOL_PURPOSES[result.toolName] ?? 'do that';
  const reason = reasonForPeople(result.text);
  return answer(
    `I could not ${purpose}. ${reason}\n\nChange what you asked and ask again, or say "help" to see what I can do.`,
  );
}

/** A tool text's line that gives a model the cursor of the next page. */
const CURSOR_HINT = /^More (rows|rooms|runs)? ?(?:follow|exist): (?:call|pass) .*$/gm;

/**
 * Rewords a successful tool text for people: the next-page hint for models
 * (a cursor to pass) becomes an offer to "show more".
 */
export function textForPeople(text: string): string {
  return text.replace(
    CURSOR_HINT,
    (_line, noun: string | undefined) =>
      `More ${noun ?? 'items'} follow: say "show more" to see them.`,
  );
}
