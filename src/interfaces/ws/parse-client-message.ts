import type { RawData } from 'ws';
import type { z } from 'zod';
import { CHAT_MESSAGE_MAX_CHARACTERS, countCharacters } from '../../domain/chat/conversation.ts';
import {
  clientMessageSchema,
  type ClientMessage,
  type ErrorMessage,
} from '../../domain/chat/ws-protocol.ts';

export type ParsedClientMessage =
  { success: true; message: ClientMessage } | { success: false; error: ErrorMessage };

/**
 * Parses one frame into a client message, or into the `error` to send back:
 * its `field` is the path of the first invalid or unknown field and its
 * message names the value expected.
 */
export function parseClientMessage(data: RawData, isBinary: boolean): ParsedClientMessage {
  if (isBinary)
    return invalid(null, 'Binary frames are not accepted; send each message as a JSON text frame.');

  let json: unknown;
  try {
    json = JSON.parse(rawText(data));
  } catch {
    return invalid(null, 'The frame is not valid JSON; send one JSON object per text frame.');
  }

  const parsed = clientMessageSchema.safeParse(json);
  if (parsed.success) return { success: true, message: parsed.data };

  const issue = parsed.error.issues[0];
  if (issue?.code === 'unrecognized_keys') return unknownField(json, issue);

  const field = issue?.path.join('.') || 'type';
  if (field === 'text' && isTooLong(json)) return tooLong(json);
  return invalid(
    idOf(json),
    `Invalid field "${field}": ${issue?.message ?? 'does not match the protocol'}. Fix it and send the message again.`,
    field,
  );
}

/** Names the first field the message type does not have, by its path. */
function unknownField(json: unknown, issue: z.core.$ZodIssueUnrecognizedKeys): ParsedClientMessage {
  const field = [...issue.path, issue.keys[0] ?? ''].join('.');
  const type = (json as { type?: unknown }).type;
  return invalid(
    idOf(json),
    `Unknown field "${field}": a ${String(type)} message has no such field. Remove it and send the message again.`,
    field,
  );
}

function isTooLong(json: unknown): boolean {
  const text = (json as { text?: unknown }).text;
  return typeof text === 'string' && countCharacters(text) > CHAT_MESSAGE_MAX_CHARACTERS;
}

/** Rejects a message over the length limit with the code and wording REST uses. */
function tooLong(json: unknown): ParsedClientMessage {
  const text = (json as { text?: unknown }).text;
  const length = typeof text === 'string' ? countCharacters(text) : 0;
  return {
    success: false,
    error: {
      type: 'error',
      id: idOf(json),
      code: 'CHAT_MESSAGE_TOO_LONG',
      message: `The message has ${length} characters; the limit is ${CHAT_MESSAGE_MAX_CHARACTERS}. Shorten it or split it into several messages.`,
      field: 'text',
    },
  };
}

function invalid(id: string | null, message: string, field?: string): ParsedClientMessage {
  return {
    success: false,
    error: { type: 'error', id, code: 'MESSAGE_INVALID', message, ...(field ? { field } : {}) },
  };
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** Returns the message's id when it has a readable one, so the client can match the error to its message. */
function idOf(json: unknown): string | null {
  if (typeof json !== 'object' || json === null || !('id' in json)) return null;

  const id = (json as { id: unknown }).id;
  return typeof id === 'string' && id.length <= 100 ? id : null;
}
