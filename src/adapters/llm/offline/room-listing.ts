import {
  answer,
  callTools,
  resultsOf,
  toolErrorAnswer,
  type OfflineAction,
  type PlannedToolCall,
} from './offline-action.ts';
import type { QuestionTemplate, RoomHint } from './parse-request.ts';
import { roomsOf, type RoomSummary } from './room-choice.ts';
import type { SeenToolResult } from './turn-state.ts';

/** Page size of the room listings, which bounds the rooms a question can be checked in. */
const ROOM_PAGE_SIZE = 100;

/** The rooms to choose among, and the listing they come from. */
export interface RoomCandidates {
  listing: SeenToolResult;
  rooms: RoomSummary[];
}

/**
 * Builds the first room listing of a question. Unless the sentence names
 * a display id, it keeps only rooms with a partner of the kind the
 * sentence names and attached datasets of the types the question needs. That cheap filter
 * finds a room that can run among many newer rooms that cannot, and keeps
 * the listing short, so the turn stays in the history the next message
 * reads.
 */
function firstListingCall(hint: RoomHint, template: QuestionTemplate): PlannedToolCall {
  if (hint.displayId !== null)
    return { toolName: 'list_clean_rooms', input: { limit: ROOM_PAGE_SIZE } };

  const partnerKind = hint.partnerKind ?? undefined;
  return {
    toolName: 'list_clean_rooms',
    input: { limit: ROOM_PAGE_SIZE, partnerKind, datasetsFor: template },
  };
}

/**
 * Returns the rooms to choose among, or the next action that lists them.
 * When the dataset filter leaves no room, the rooms are listed again
 * without it, keeping the partner kind, so the previews state what each
 * room lacks.
 */
export function roomCandidates(
  hint: RoomHint,
  template: QuestionTemplate,
  results: SeenToolResult[],
): RoomCandidates | OfflineAction {
  const listings = resultsOf(results, 'list_clean_rooms');
  const failed = listings.find((listing) => listing.isError);
  if (failed) return toolErrorAnswer(failed);
  const listing = listings.at(-1);
  if (listing === undefined) return callTools([firstListingCall(hint, template)]);

  // NOTE: a room the sentence names by full name but the filters leave out is not
  // found, so the question runs in a listed room. A display id always finds it.
  const rooms = roomsOf(listing) ?? [];
  if (rooms.length > 0 || listing.input.datasetsFor === undefined) return { listing, rooms };
  const partnerKind = listing.input.partnerKind;
  return callTools([
    { toolName: 'list_clean_rooms', input: { limit: ROOM_PAGE_SIZE, partnerKind } },
  ]);
}

/** States that no room was listed, naming the partner kind the listing was filtered by. */
export function noRoomAnswer(listing: SeenToolResult): OfflineAction {
  const kind = listing.input.partnerKind;
  if (typeof kind !== 'string') return answer('You are not a partner of any clean room yet.');
  return answer(
    `None of your clean rooms has a ${kind.toLowerCase()} partner that accepted the invitation. Say "list my clean rooms" to see them all, or name a room by display id.`,
  );
}
