import type { ChatFinishReason, RunEvidence } from '../../domain/chat/chat-stream-event.ts';
import type { ChatAnswerError, ChatToolCall } from '../../domain/chat/conversation.ts';
import type { StoredMessageContent, StoredToolResult } from './chat-message-view.ts';

/** The model's finish reason of a step, as the AI SDK reports it. */
type StepFinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';

/** Collects what one answer produced, to store it and to decide how it ended. */
export class AnswerRecorder {
  text = '';
  readonly toolCalls: ChatToolCall[] = [];
  readonly toolResults: StoredToolResult[] = [];
  readonly evidence: RunEvidence[] = [];
  steps = 0;
  lastStepFinish: StepFinishReason | undefined;
  failed = false;
  /** The first answer_error of the answer, stored so a reload shows why it failed. */
  error: ChatAnswerError | null = null;
  aborted = false;
  /** Set when the answer lost its claim on the conversation. It then ends as an error, even when also stopped. */
  claimLost = false;

  isInvalidCall(toolCallId: string): boolean {
    return this.toolCalls.some((call) => call.toolCallId === toolCallId && call.invalid === true);
  }

  /**
   * Decides how the answer ended. A lost claim comes first, then a stop by
   * the user or an error, then a repeated call (which stopped the loop), then
   * the model's own reason.
   */
  finishReason(options: { repeated: boolean; maxSteps: number }): ChatFinishReason {
    if (this.claimLost) return 'error';
    if (this.aborted) return 'aborted';
    if (this.failed || this.lastStepFinish === 'error') return 'error';
    if (options.repeated) return 'repeated_tool_call';
    if (this.lastStepFinish === 'length') return 'length';
    if (this.lastStepFinish === 'content-filter') return 'error';
    if (this.lastStepFinish === 'tool-calls' && this.steps >= options.maxSteps) return 'step_limit';
    return 'stop';
  }

  content(suggestions: string[]): StoredMessageContent {
    return {
      text: this.text,
      toolCalls: this.toolCalls,
      toolResults: this.toolResults,
      evidence: this.evidence,
      suggestions,
      error: this.error,
    };
  }
}
