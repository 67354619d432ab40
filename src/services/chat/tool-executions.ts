import type { ToolOutcome } from '../../interfaces/tools/invoke-tool.ts';

/** A tool call of an answer whose handler has started. */
export interface ToolExecution {
  toolCallId: string;
  toolName: string;
  /** The arguments as the model sent them. */
  input: unknown;
  /** The arguments after parsing, as the handler received them. */
  parsedInput: Record<string, unknown>;
  outcome: Promise<ToolOutcome>;
}

/**
 * The tool calls one answer has started, so an answer the user stops can
 * still store what a call already did (a start_run that created its run).
 */
export class ToolExecutions {
  private readonly started = new Map<string, ToolExecution>();

  add(execution: ToolExecution): void {
    this.started.set(execution.toolCallId, execution);
  }

  list(): ToolExecution[] {
    return [...this.started.values()];
  }
}
