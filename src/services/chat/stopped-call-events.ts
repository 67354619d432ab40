import type { TextStreamPart, ToolSet } from 'ai';
import type { ChatStreamEvent } from '../../domain/chat/chat-stream-event.ts';
import { invokeTool, type ToolOutcome } from '../../interfaces/tools/invoke-tool.ts';
import { startRunTool } from '../../interfaces/tools/start-run.ts';
import type { ChatToolOutput } from './chat-tools.ts';
import type { ToolExecution, ToolExecutions } from './tool-executions.ts';
import { translateStreamPart, type TranslateContext } from './translate-stream-part.ts';

/**
 * Finishes the tool calls a stopped answer had started and returns their
 * results and evidence, so the answer stores what they did. The calls got
 * the stop signal, so a start_run stops waiting for its run at once; its
 * cancelled result is replaced by the run it created, found again through
 * its idempotency key without waiting, so "status" and "show the results"
 * find the run.
 */
export async function* stoppedCallEvents(
  executions: ToolExecutions,
  translate: TranslateContext,
): AsyncGenerator<ChatStreamEvent> {
  const recorded = new Set(translate.recorder.toolResults.map((result) => result.toolCallId));
  for (const execution of executions.list()) {
    if (recorded.has(execution.toolCallId)) continue;

    const outcome = await outcomeOf(execution, translate);
    const part = {
      type: 'tool-result',
      toolCallId: execution.toolCallId,
      toolName: execution.toolName,
      input: execution.input,
      output: { kind: 'outcome', outcome } satisfies ChatToolOutput,
    } as unknown as TextStreamPart<ToolSet>;
    for (const event of await translateStreamPart(part, translate)) yield event;
  }
}

async function outcomeOf(
  execution: ToolExecution,
  translate: TranslateContext,
): Promise<ToolOutcome> {
  const outcome = await execution.outcome;
  if (!outcome.isError || execution.toolName !== startRunTool.name) return outcome;

  // NOTE: a start_run stopped before it created its run creates it here, because its tool_call was already shown.
  return invokeTool(
    startRunTool,
    { ...execution.parsedInput, waitSeconds: 0 },
    {
      services: translate.services,
      caller: translate.caller,
      signal: new AbortController().signal,
      reportProgress: () => Promise.resolve(),
    },
  );
}
