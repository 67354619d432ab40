import type { ErrorCode } from '../../../src/domain/errors/error-codes.ts';

/**
 * Text the web app shows for an API error code in place of the server's
 * message, which is written for API callers (it names REST routes).
 */
export interface ErrorExplanation {
  text: string;
  link: { to: string; label: string };
}

/** Explanations keyed by the error code they replace. */
export type ErrorExplanations = Partial<Record<ErrorCode, ErrorExplanation>>;

/**
 * The server returns "not found" also for a room the caller's organization is
 * not a partner of, so that the room's existence does not leak.
 */
export const cleanRoomNotFound = (reference: string): ErrorExplanations => ({
  CLEAN_ROOM_NOT_FOUND: {
    text: `No clean room ${reference} exists, or your organization is not a partner of it.`,
    link: { to: '/cleanrooms', label: 'Back to your clean rooms' },
  },
});

export const runNotFound = (reference: string): ErrorExplanations => ({
  RUN_NOT_FOUND: {
    text: `No run ${reference} exists, or it belongs to a clean room your organization is not a partner of.`,
    link: { to: '/runs', label: 'Back to your runs' },
  },
});

export const questionNotFound = (reference: string, cleanRoomId: string): ErrorExplanations => ({
  QUESTION_NOT_FOUND: {
    text: `No question ${reference} is added to this clean room.`,
    link: {
      to: `/cleanrooms/${encodeURIComponent(cleanRoomId)}`,
      label: 'Back to the clean room and its questions',
    },
  },
});
