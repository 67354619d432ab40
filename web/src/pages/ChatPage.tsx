import {
  lazy,
  Suspense,
  useEffect,
  useReducer,
  useRef,
  useState,
  type FormEvent,
  type KeyboardEvent,
} from 'react';
import { EvidenceCard } from '../components/EvidenceCard.tsx';
import { getChatSocket } from '../ws/chat-socket.ts';
import { useRunEvents } from '../ws/use-run-events.ts';
import {
  chatReducer,
  initialChatState,
  type AssistantMessage,
  type ChatEntry,
} from './chat/chat-state.ts';

// marked and DOMPurify load after the first paint, keeping them out of the initial route's bundle.
const Markdown = lazy(() => import('../components/Markdown.tsx'));

const STARTER_QUESTIONS = [
  'Which clean rooms can I use?',
  'What is the audience overlap with the publisher by age band?',
];

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
      <Suspense fallback={<p className="markdown">{message.text}</p>}>
        <Markdown text={message.text} />
      </Suspense>
      {message.tools.length > 0 && (
        <ul className="tool-list" aria-label="Tools used">
          {message.tools.map((tool) => (
            <li key={tool.toolCallId} className={tool.isError ? 'tool tool-error' : 'tool'}>
              {tool.toolName}
              {tool.resultText === null ? ' …' : `: ${tool.resultText}`}
            </li>
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

function useChat() {
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  useEffect(() => {
    const socket = getChatSocket();
    return socket.subscribe((message) => {
      if (message.type === 'chat') {
        dispatch({ type: 'event', conversationId: message.conversationId, event: message.event });
      }
      if (message.type === 'error' && message.code === 'CHAT_FAILED') {
        dispatch({ type: 'failed', message: message.message });
      }
    });
  }, []);

  const send = (text: string) => {
    const clientId = getChatSocket().send({
      type: 'send_message',
      conversationId: state.conversationId,
      text,
    });
    dispatch({ type: 'sent', clientId, text });
  };
  const stop = () => {
    if (state.conversationId !== null)
      getChatSocket().send({ type: 'stop', conversationId: state.conversationId });
  };
  return { state, send, stop };
}

export function ChatPage() {
  const { state, send, stop } = useChat();
  const [draft, setDraft] = useState('');
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const busy = state.streamingMessageId !== null || state.pendingReplyTo !== null;

  const submit = (text: string) => {
    const trimmed = text.trim();
    if (trimmed === '' || busy) return;
    send(trimmed);
    setDraft('');
    inputRef.current?.focus();
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit(draft);
  };
  // Enter sends and Shift+Enter adds a line, as in most chat apps.
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      submit(draft);
    }
  };

  return (
    <section className="chat" aria-labelledby="chat-title">
      <h1 id="chat-title">Assistant</h1>
      {state.entries.length === 0 && (
        <div className="suggestions" aria-label="Suggested questions">
          {STARTER_QUESTIONS.map((question) => (
            <button key={question} type="button" onClick={() => submit(question)}>
              {question}
            </button>
          ))}
        </div>
      )}
      <ChatLog entries={state.entries} onSuggestion={submit} />
      {state.error !== null && (
        <p className="error" role="alert">
          {state.error}
        </p>
      )}
      <form className="chat-form" onSubmit={onSubmit}>
        <label htmlFor="chat-input">Message</label>
        <textarea
          id="chat-input"
          ref={inputRef}
          rows={2}
          value={draft}
          placeholder="Ask about your clean rooms"
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
        />
        {busy ? (
          <button type="button" onClick={stop}>
            Stop
          </button>
        ) : (
          <button type="submit">Send</button>
        )}
      </form>
    </section>
  );
}
