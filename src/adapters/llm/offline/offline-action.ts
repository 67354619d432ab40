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

/**
 * States a tool error plainly, as the tool worded it. Tool error texts are
 * escaped for markdown where they are made (toolErrorText), so they are
 * quoted unchanged, because escaping them again would show the backslashes.
 */
export function toolErrorAnswer(result: SeenToolResult): OfflineAction {
  return answer(`The ${result.toolName} call failed: ${result.text}`);
}
