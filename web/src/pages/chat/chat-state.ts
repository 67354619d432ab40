import type {
  ChatStreamEvent,
  RunEvidence,
} from '../../../../src/domain/chat/chat-stream-event.ts';

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
  error: string | null;
}

export const initialChatState: ChatState = {
  conversationId: null,
  entries: [],
  streamingMessageId: null,
  pendingReplyTo: null,
  error: null,
};

export type ChatAction =
  | { type: 'sent'; clientId: string; text: string }
  | { type: 'event'; conversationId: string; event: ChatStreamEvent }
  | { type: 'failed'; message: string };

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

function startAnswer(state: ChatState, conversationId: string, messageId: string): ChatState {
  if (state.entries.some((entry) => entry.id === messageId)) return state;
  const answer: AssistantMessage = {
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
  return {
    ...state,
    conversationId,
    entries: [...state.entries, answer],
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
        evidence: [...m.evidence, event.evidence],
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

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'sent':
      return {
        ...state,
        error: null,
        pendingReplyTo: action.clientId,
        entries: [...state.entries, { role: 'user', id: action.clientId, text: action.text }],
      };
    case 'event':
      if (!belongsToChat(state, action)) return state;
      return applyEvent(state, action.conversationId, action.event);
    case 'failed':
      return { ...state, error: action.message, pendingReplyTo: null, streamingMessageId: null };
  }
}
