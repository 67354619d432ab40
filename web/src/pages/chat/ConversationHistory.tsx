import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import type { Conversation } from '../../../../src/domain/chat/conversation.ts';
import { deleteConversation, fetchConversations } from '../../api/conversations.ts';
import { QueryStatus } from '../../components/QueryStatus.tsx';
import { usePagedList } from '../use-paged-list.ts';
import { openConversation, startNewConversation } from './chat-store.ts';

const CONVERSATIONS_KEY = ['conversations'];

function ConversationItem({
  conversation,
  current,
  onDelete,
}: {
  conversation: Conversation;
  current: boolean;
  onDelete(conversation: Conversation): void;
}) {
  return (
    <li className="conversation-item">
      <button
        type="button"
        className="conversation-open"
        aria-current={current ? 'true' : undefined}
        onClick={() => void openConversation(conversation.id)}
      >
        <span className="conversation-title">{conversation.title}</span>
        <span className="muted">{new Date(conversation.updatedAt).toLocaleString()}</span>
      </button>
      <button
        type="button"
        className="conversation-delete"
        aria-label={`Delete conversation: ${conversation.title}`}
        onClick={() => onDelete(conversation)}
      >
        Delete
      </button>
    </li>
  );
}

/**
 * Moves focus from the removed Delete button to the conversation that took
 * its place, or the one before it, or else to the disclosure's summary, so
 * keyboard users do not land on the page body.
 */
function focusAfterDelete(list: HTMLUListElement | null, position: number): void {
  const remaining = list?.querySelectorAll<HTMLButtonElement>('.conversation-open') ?? [];
  const next = remaining[Math.min(position, remaining.length - 1)];
  if (next !== undefined) {
    next.focus();
    return;
  }
  list?.closest('details')?.querySelector('summary')?.focus();
}

/**
 * Lists the user's earlier conversations, newest activity first, to open
 * one and continue it, or to delete it. The list loads each time the
 * history is expanded, so it shows conversations started since.
 */
export default function ConversationHistory({ currentId }: { currentId: string | null }) {
  const queryClient = useQueryClient();
  const { query, items, loadMore, hasMore } = usePagedList(
    CONVERSATIONS_KEY,
    fetchConversations,
    0,
  );
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const listRef = useRef<HTMLUListElement>(null);

  const onDelete = async (conversation: Conversation) => {
    const question = `Delete the conversation "${conversation.title}"? Its messages are removed; runs it started keep going.`;
    if (!window.confirm(question)) return;
    setDeleteError(null);
    const position = items.indexOf(conversation);
    try {
      await deleteConversation(conversation.id);
      if (conversation.id === currentId) startNewConversation();
      await queryClient.invalidateQueries({ queryKey: CONVERSATIONS_KEY });
      // A frame later the list shows the refetched conversations.
      requestAnimationFrame(() => focusAfterDelete(listRef.current, position));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      setDeleteError(`"${conversation.title}" was not deleted: ${reason}`);
    }
  };

  return (
    <div className="conversation-history" data-testid="conversation-history">
      <QueryStatus query={query} what="your conversations" />
      {query.isSuccess && items.length === 0 && <p className="muted">No conversations yet.</p>}
      <ul className="conversation-list" aria-label="Conversations" ref={listRef}>
        {items.map((conversation) => (
          <ConversationItem
            key={conversation.id}
            conversation={conversation}
            current={conversation.id === currentId}
            onDelete={(item) => void onDelete(item)}
          />
        ))}
      </ul>
      {hasMore && (
        <button type="button" className="secondary-button" onClick={loadMore}>
          Show older conversations
        </button>
      )}
      {deleteError !== null && (
        <p className="error" role="alert">
          {deleteError}
        </p>
      )}
    </div>
  );
}
