import { useQueryClient } from '@tanstack/react-query';
import {
  lazy,
  Suspense,
  useEffect,
  useRef,
  useState,
  type FormEvent,
  type KeyboardEvent,
  type RefObject,
} from 'react';
import { useSignedInSession } from '../app/session-context.tsx';
import { EvidenceCard } from '../components/EvidenceCard.tsx';
import {
  CHAT_COUNTER_FROM_CHARACTERS,
  CHAT_MESSAGE_MAX_CHARACTERS,
} from '../lib/chat-message-limit.ts';
import { stripMarkdownEscapes } from '../lib/strip-markdown-escapes.ts';
import { useRunEvents } from '../ws/use-run-events.ts';
import { STARTER_QUESTIONS } from './chat/starter-questions.ts';
import type { AssistantMessage, ChatEntry, ToolActivity } from './chat/chat-state.ts';
import {
  sendChatMessage,
  startNewConversation,
  stopChatAnswer,
  useChat,
} from './chat/chat-store.ts';

// marked and DOMPurify load after the first paint, keeping them out of the initial route's bundle.
const Markdown = lazy(() => import('../components/Markdown.tsx'));
const ConversationHistory = lazy(() => import('./chat/ConversationHistory.tsx'));

/**
 * Renders a markdown text once the renderer has loaded, and until then the
 * same text as plain text without its backslash escapes.
 */
function MarkdownText({ text }: { text: string }) {
  return (
    <Suspense fallback={<p className="markdown">{stripMarkdownEscapes(text)}</p>}>
      <Markdown text={text} />
    </Suspense>
  );
}

/**
 * A tool the answer called, with its result text once it returned. Tool
 * texts are markdown with data values escaped, so a room named `**x**`
 * shows as typed, not with backslashes and not in bold.
 */
function ToolItem({ tool }: { tool: ToolActivity }) {
  return (
    <li className={tool.isError ? 'tool tool-error' : 'tool'}>
      <span className="tool-name">{tool.toolName}</span>
      {tool.resultText === null ? ' …' : <MarkdownText text={tool.resultText} />}
    </li>
  );
}

function AssistantBubble({
  message,
  onSuggestion,
}: {
  message: AssistantMessage;
  onSuggestion(text: string): void;
}) {
  const live = useRunEvents(message.evidence.map((evidence) => evidence.runId));
  return (
    <div className="bubble bubble-assistant" data-testid="assistant-message">
      <MarkdownText text={message.text} />
      {message.tools.length > 0 && (
        <ul className="tool-list" aria-label="Tools used">
          {message.tools.map((tool) => (
            <ToolItem key={tool.toolCallId} tool={tool} />
          ))}
        </ul>
      )}
      {message.evidence.map((evidence) => (
        <EvidenceCard key={evidence.runId} evidence={evidence} live={live.get(evidence.runId)} />
      ))}
      {message.error !== null && <p className="error">{message.error}</p>}
      {message.finished && message.incomplete && message.error === null && (
        <p className="muted">This answer is incomplete.</p>
      )}
      {message.suggestions.length > 0 && (
        <div className="suggestions" aria-label="Suggested questions">
          {message.suggestions.map((suggestion) => (
            <button key={suggestion} type="button" onClick={() => onSuggestion(suggestion)}>
              {suggestion}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

function ChatLog({
  entries,
  onSuggestion,
}: {
  entries: ChatEntry[];
  onSuggestion(text: string): void;
}) {
  const endRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // A block body: Chromium's scrollIntoView returns a promise, which React would take for a cleanup.
    void endRef.current?.scrollIntoView({ block: 'end' });
  }, [entries]);
  return (
    <div className="chat-log" role="log" aria-live="polite" aria-label="Conversation">
      {entries.map((entry) =>
        entry.role === 'user' ? (
          <p key={entry.id} className="bubble bubble-user">
            {entry.text}
          </p>
        ) : (
          <AssistantBubble key={entry.id} message={entry} onSuggestion={onSuggestion} />
        ),
      )}
      <div ref={endRef} />
    </div>
  );
}

/**
 * Earlier conversations behind a disclosure. The list and its schemas load
 * when it is first opened, keeping them off the first route.
 */
function HistoryDisclosure({ currentId }: { currentId: string | null }) {
  const [open, setOpen] = useState(false);
  return (
    <details
      className="history"
      onToggle={(event) => setOpen((event.currentTarget as HTMLDetailsElement).open)}
    >
      <summary>Earlier conversations</summary>
      {open && (
        <Suspense fallback={<p className="loading">Loading your conversations…</p>}>
          <ConversationHistory currentId={currentId} />
        </Suspense>
      )}
    </details>
  );
}

/** Characters used, shown near the limit so a long message is shortened before it is sent. */
function CharacterCounter({ length }: { length: number }) {
  if (length < CHAT_COUNTER_FROM_CHARACTERS) return null;
  return (
    <p
      id="chat-input-counter"
      className="muted chat-counter"
      aria-live="polite"
      data-testid="chat-counter"
    >
      {length.toLocaleString()} of {CHAT_MESSAGE_MAX_CHARACTERS.toLocaleString()} characters
    </p>
  );
}

/** Gives the text of a rejected message back to the field, before anything typed since. */
function useUnsentText(
  unsentText: string | null,
  setDraft: (update: (draft: string) => string) => void,
) {
  useEffect(() => {
    if (unsentText === null) return;
    setDraft((draft) => (draft === '' ? unsentText : `${unsentText}\n${draft}`));
  }, [unsentText, setDraft]);
}

function ChatForm({
  busy,
  canStop,
  inputRef,
  unsentText,
  onSend,
}: {
  busy: boolean;
  canStop: boolean;
  inputRef: RefObject<HTMLTextAreaElement | null>;
  unsentText: string | null;
  /** Sends the text, and returns false when it was not sent. */
  onSend(text: string): boolean;
}) {
  const [draft, setDraft] = useState('');
  useUnsentText(unsentText, setDraft);
  const submit = () => {
    if (onSend(draft)) setDraft('');
  };
  // Enter sends and Shift+Enter adds a line, as in most chat apps.
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      submit();
    }
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };

  return (
    <form className="chat-form" onSubmit={onSubmit}>
      <label htmlFor="chat-input">Message</label>
      <textarea
        id="chat-input"
        ref={inputRef}
        rows={2}
        value={draft}
        maxLength={CHAT_MESSAGE_MAX_CHARACTERS}
        aria-describedby={
          draft.length >= CHAT_COUNTER_FROM_CHARACTERS ? 'chat-input-counter' : undefined
        }
        placeholder="Ask about your clean rooms"
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <CharacterCounter length={draft.length} />
      {busy ? (
        <button type="button" onClick={stopChatAnswer} disabled={!canStop}>
          Stop
        </button>
      ) : (
        <button type="submit">Send</button>
      )}
    </form>
  );
}

/**
 * The assistant. The conversation stays open across navigation and
 * reloads, and earlier ones can be reopened or deleted from the history.
 */
export function ChatPage() {
  const session = useSignedInSession();
  const state = useChat(session.user.id);
  const queryClient = useQueryClient();
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const busy = state.streamingMessageId !== null || state.pendingReplyTo !== null || state.opening;

  // The server moves a conversation to the top of the history when an answer
  // starts in it and again when the answer is stored, so the list is read
  // again at both points, as well as when another conversation is opened.
  useEffect(() => {
    void queryClient.invalidateQueries({ queryKey: ['conversations'] });
  }, [queryClient, state.conversationId, state.streamingMessageId]);

  const send = (text: string): boolean => {
    const trimmed = text.trim();
    if (trimmed === '' || busy) return false;
    sendChatMessage(trimmed);
    inputRef.current?.focus();
    return true;
  };
  const startNew = () => {
    startNewConversation();
    inputRef.current?.focus();
  };

  return (
    <section className="chat" aria-labelledby="chat-title">
      <div className="chat-header">
        <h1 id="chat-title">Assistant</h1>
        <button type="button" className="secondary-button" onClick={startNew}>
          New conversation
        </button>
      </div>
      <HistoryDisclosure currentId={state.conversationId} />
      {state.opening && <p className="loading">Opening the conversation…</p>}
      {state.entries.length === 0 && !state.opening && (
        <div className="suggestions" aria-label="Suggested questions">
          {STARTER_QUESTIONS.map((question) => (
            <button key={question} type="button" onClick={() => send(question)}>
              {question}
            </button>
          ))}
        </div>
      )}
      <ChatLog entries={state.entries} onSuggestion={send} />
      {state.error !== null && (
        <p className="error" role="alert">
          {state.error}
        </p>
      )}
      <ChatForm
        busy={busy}
        canStop={!state.opening}
        inputRef={inputRef}
        unsentText={state.unsentText}
        onSend={send}
      />
    </section>
  );
}
