import type {
  ChatStreamEvent,
  RunEvidence,
} from '../../../../src/domain/chat/chat-stream-event.ts';
import type {
  ConversationDetail,
  ConversationMessage,
} from '../../../../src/domain/chat/conversation.ts';

export interface ToolActivity {
  toolCallId: string;
  toolName: string;
  resultText: string | null;
  isError: boolean;
}

export interface AssistantMessage {
  role: 'assistant';
  id: string;
  text: string;
  tools: ToolActivity[];
  /** One entry per run, with the latest state the answer reported for it. */
  evidence: RunEvidence[];
  finished: boolean;
  incomplete: boolean;
  suggestions: string[];
  error: string | null;
}

export interface UserMessage {
  role: 'user';
  id: string;
  text: string;
}

export type ChatEntry = UserMessage | AssistantMessage;

export interface ChatState {
  conversationId: string | null;
  entries: ChatEntry[];
  /** Message id of the answer being streamed, or null when idle. */
  streamingMessageId: string | null;
  /** Client id of the sent message waiting for its answer to start. */
  pendingReplyTo: string | null;
  /** True while the conversation's stored messages are being read over REST. */
  opening: boolean;
  error: string | null;
  /** Text of a sent message the server rejected, to give back to the message field. */
  unsentText: string | null;
}

export const initialChatState: ChatState = {
  conversationId: null,
  entries: [],
  streamingMessageId: null,
  pendingReplyTo: null,
  opening: false,
  error: null,
  unsentText: null,
};

export type ChatAction =
  | { type: 'sent'; clientId: string; text: string }
  | { type: 'event'; conversationId: string; event: ChatStreamEvent }
  /** An error; `rejectedClientId` names a sent message the server did not take. */
  | { type: 'failed'; message: string; rejectedClientId?: string }
  | { type: 'opening'; conversationId: string }
  | { type: 'opened'; conversation: ConversationDetail }
  | { type: 'reset'; error?: string };

function emptyAnswer(messageId: string): AssistantMessage {
  return {
    role: 'assistant',
    id: messageId,
    text: '',
    tools: [],
    evidence: [],
    finished: false,
    incomplete: false,
    suggestions: [],
    error: null,
  };
}

/** Adds a run's evidence, replacing what the answer showed for that run before. */
function withEvidence(evidence: RunEvidence[], next: RunEvidence): RunEvidence[] {
  if (!evidence.some((item) => item.runId === next.runId)) return [...evidence, next];
  return evidence.map((item) => (item.runId === next.runId ? next : item));
}

function updateAssistant(
  state: ChatState,
  messageId: string | null,
  change: (message: AssistantMessage) => AssistantMessage,
): ChatState {
  const entries = state.entries.map((entry) =>
    entry.role === 'assistant' && entry.id === messageId ? change(entry) : entry,
  );
  return { ...state, entries };
}

/**
 * Starts an answer. An answer already shown, as read from the server when
 * the conversation was reopened, starts again from empty: a resume replays
 * all of its events after this one.
 */
function startAnswer(state: ChatState, conversationId: string, messageId: string): ChatState {
  const known = state.entries.some((entry) => entry.id === messageId);
  const entries = known
    ? state.entries.map((entry) => (entry.id === messageId ? emptyAnswer(messageId) : entry))
    : [...state.entries, emptyAnswer(messageId)];
  return {
    ...state,
    conversationId,
    entries,
    streamingMessageId: messageId,
    pendingReplyTo: null,
  };
}

function applyToolResult(
  message: AssistantMessage,
  event: Extract<ChatStreamEvent, { type: 'tool_result' }>,
) {
  const tools = message.tools.map((tool) =>
    tool.toolCallId === event.toolCallId
      ? { ...tool, resultText: event.text, isError: event.isError }
      : tool,
  );
  return { ...message, tools };
}

function finishAnswer(state: ChatState): ChatState {
  return { ...state, streamingMessageId: null, pendingReplyTo: null };
}

function applyEvent(state: ChatState, conversationId: string, event: ChatStreamEvent): ChatState {
  switch (event.type) {
    case 'answer_started':
      return startAnswer(state, conversationId, event.messageId);
    case 'text_delta':
      return updateAssistant(state, event.messageId, (m) => ({ ...m, text: m.text + event.text }));
    case 'tool_call':
      return updateAssistant(state, event.messageId, (m) => ({
        ...m,
        tools: [
          ...m.tools,
          {
            toolCallId: event.toolCallId,
            toolName: event.toolName,
            resultText: null,
            isError: false,
          },
        ],
      }));
    case 'tool_result':
      return updateAssistant(state, event.messageId, (m) => applyToolResult(m, event));
    case 'evidence':
      return updateAssistant(state, event.messageId, (m) => ({
        ...m,
        evidence: withEvidence(m.evidence, event.evidence),
      }));
    case 'answer_finished':
      return finishAnswer(
        updateAssistant(state, event.messageId, (m) => ({
          ...m,
          finished: true,
          incomplete: event.incomplete,
          suggestions: event.suggestions,
        })),
      );
    case 'answer_error':
      return finishAnswer({
        ...updateAssistant(state, event.messageId, (m) => ({
          ...m,
          finished: true,
          error: event.message,
        })),
        error: event.messageId === null ? event.message : state.error,
      });
  }
}

/** A new chat adopts the conversation whose first answer replies to the message it sent. */
function belongsToChat(state: ChatState, action: Extract<ChatAction, { type: 'event' }>): boolean {
  if (state.conversationId !== null) return action.conversationId === state.conversationId;
  return action.event.type === 'answer_started' && action.event.replyTo === state.pendingReplyTo;
}

function toAssistantMessage(message: ConversationMessage): AssistantMessage {
  const tools = message.toolCalls.map((call) => {
    const result = message.toolResults.find((item) => item.toolCallId === call.toolCallId);
    return {
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      resultText: result?.text ?? null,
      isError: result?.isError ?? false,
    };
  });
  return {
    ...emptyAnswer(message.id),
    text: message.text,
    tools,
    evidence: message.evidence.reduce<RunEvidence[]>(withEvidence, []),
    finished: message.finishReason !== null,
    incomplete: message.incomplete,
    suggestions: message.suggestions,
    error: message.error?.message ?? null,
  };
}

/** Shows a conversation as stored, with an answer still being written marked as streaming. */
function openedState(conversation: ConversationDetail): ChatState {
  const entries = conversation.messages.map((message): ChatEntry =>
    message.role === 'user'
      ? { role: 'user', id: message.id, text: message.text }
      : toAssistantMessage(message),
  );
  const unfinished = conversation.messages.find(
    (message) => message.role === 'assistant' && message.finishReason === null,
  );
  return {
    ...initialChatState,
    conversationId: conversation.id,
    entries,
    streamingMessageId: unfinished?.id ?? null,
  };
}

/** Ends the wait for an answer. A rejected message leaves the log and goes back to the message field. */
function failedState(state: ChatState, error: string, rejectedClientId?: string): ChatState {
  const failed = { ...state, error, pendingReplyTo: null, streamingMessageId: null };
  const rejected = state.entries.find(
    (entry) => entry.role === 'user' && entry.id === rejectedClientId,
  );
  if (rejected === undefined) return failed;

  return {
    ...failed,
    entries: state.entries.filter((entry) => entry !== rejected),
    unsentText: rejected.text,
  };
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'sent':
      return {
        ...state,
        error: null,
        unsentText: null,
        pendingReplyTo: action.clientId,
        entries: [...state.entries, { role: 'user', id: action.clientId, text: action.text }],
      };
    case 'event':
      if (!belongsToChat(state, action)) return state;
      return applyEvent(state, action.conversationId, action.event);
    case 'failed':
      return failedState(state, action.message, action.rejectedClientId);
    case 'opening':
      return { ...initialChatState, conversationId: action.conversationId, opening: true };
    case 'opened':
      if (state.conversationId !== action.conversation.id) return state;
      return openedState(action.conversation);
    case 'reset':
      return { ...initialChatState, error: action.error ?? null };
  }
}
