import type { ModelMessage } from 'ai';
import type { ChatMessageRow } from '../../adapters/storage/repositories/chat-messages-repository.ts';
import { modelOutputOf } from './chat-tools.ts';
import { contentOf } from './chat-message-view.ts';

/** Characters per token, the usual estimate for English text and JSON. */
const CHARACTERS_PER_TOKEN = 4;

/**
 * Turns the earlier messages of a conversation into model messages, newest
 * turns first until the token budget is spent. A turn (a user message and
 * its answer) is kept or dropped whole, so a tool result never loses its call.
 */
export function conversationHistory(rows: ChatMessageRow[], budgetTokens: number): ModelMessage[] {
  const turns = groupTurns(rows).map(toModelMessages);
  const keptTurns: ModelMessage[][] = [];
  let spent = 0;
  for (const turn of turns.reverse()) {
    spent += Math.ceil(JSON.stringify(turn).length / CHARACTERS_PER_TOKEN);
    if (spent > budgetTokens) break;
    keptTurns.unshift(turn);
  }
  return keptTurns.flat();
}

function groupTurns(rows: ChatMessageRow[]): ChatMessageRow[][] {
  const turns: ChatMessageRow[][] = [];
  for (const row of rows) {
    if (row.role === 'user' || turns.length === 0) turns.push([row]);
    else turns.at(-1)?.push(row);
  }
  return turns;
}

function toModelMessages(turn: ChatMessageRow[]): ModelMessage[] {
  return turn.flatMap((row) =>
    row.role === 'user' ? [{ role: 'user', content: contentOf(row).text }] : answerMessages(row),
  );
}

/** An answer as the model wrote it: its valid tool calls, their results, then its text. */
function answerMessages(row: ChatMessageRow): ModelMessage[] {
  const content = contentOf(row);
  const results = new Map((content.toolResults ?? []).map((result) => [result.toolCallId, result]));
  const calls = (content.toolCalls ?? []).filter(
    (call) => !call.invalid && results.has(call.toolCallId),
  );
  const messages: ModelMessage[] = [];
  if (calls.length > 0) {
    messages.push({
      role: 'assistant',
      content: calls.map(({ toolCallId, toolName, input }) => ({
        type: 'tool-call',
        toolCallId,
        toolName,
        input,
      })),
    });
    messages.push({
      role: 'tool',
      content: calls.map(({ toolCallId, toolName }) => {
        const result = results.get(toolCallId);
        return {
          type: 'tool-result',
          toolCallId,
          toolName,
          output: modelOutputOf(result?.isError ?? true, result?.text ?? '', result?.data ?? null),
        };
      }),
    });
  }
  if (content.text) messages.push({ role: 'assistant', content: content.text });
  return messages;
}
