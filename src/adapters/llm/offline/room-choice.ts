import { resultsOf } from './offline-action.ts';
import type { RoomHint } from './parse-request.ts';
import { asRecord, type SeenToolResult } from './turn-state.ts';

export interface RoomSummary {
  id: string;
  displayId: string;
  name: string;
}

interface PartnerSummary {
  name: string;
  kind: string;
}

/** Rooms the current turn's list_clean_rooms calls returned, each once; null before those calls. */
export function listedRooms(results: SeenToolResult[]): RoomSummary[] | null {
  const listings = resultsOf(results, 'list_clean_rooms').flatMap((result) => {
    const rooms = roomsOf(result);
    return rooms === null ? [] : [rooms];
  });
  if (listings.length === 0) return null;

  const byId = new Map(listings.flat().map((room) => [room.id, room]));
  return [...byId.values()];
}

/** Rooms one list_clean_rooms result contains; null for a failed call. */
export function roomsOf(listing: SeenToolResult): RoomSummary[] | null {
  const items = listing.data?.items;
  if (listing.isError || !Array.isArray(items)) return null;

  return items.flatMap((item) => {
    const room = asRecord(item);
    const { id, displayId, name } = room ?? {};
    if (typeof id !== 'string' || typeof displayId !== 'string' || typeof name !== 'string')
      return [];
    return [{ id, displayId, name }];
  });
}

/** Partners per room id, from this turn's list_partners calls. */
export function listedPartners(results: SeenToolResult[]): Map<string, PartnerSummary[]> {
  const byRoom = new Map<string, PartnerSummary[]>();
  for (const result of resultsOf(results, 'list_partners')) {
    const roomId = result.input.cleanRoomId;
    const items = result.data?.items;
    if (typeof roomId !== 'string' || !Array.isArray(items)) continue;
    byRoom.set(roomId, items.map(toPartner));
  }
  return byRoom;
}

function toPartner(item: unknown): PartnerSummary {
  const partner = asRecord(item);
  return { name: String(partner?.name ?? ''), kind: String(partner?.kind ?? '') };
}

/** Whether partners must be read before a room can be chosen by the hint. */
export function needsPartners(hint: RoomHint, rooms: RoomSummary[]): boolean {
  if (rooms.length < 2 || hint.displayId) return false;
  if (rooms.some((room) => hint.text.includes(room.name.toLowerCase()))) return false;
  return true;
}

/**
 * Picks the rooms that best match the hint: a display id or full room name
 * in the sentence first, then rooms whose partners match a named partner
 * kind ("the publisher") or a partner name. Every room when nothing matches.
 */
export function matchingRooms(
  hint: RoomHint,
  rooms: RoomSummary[],
  partners: Map<string, PartnerSummary[]>,
): RoomSummary[] {
  const scored = rooms.map((room) => ({ room, score: scoreRoom(hint, room, partners) }));
  const best = Math.max(0, ...scored.map((entry) => entry.score));
  if (best === 0) return rooms;
  return scored.filter((entry) => entry.score === best).map((entry) => entry.room);
}

function scoreRoom(
  hint: RoomHint,
  room: RoomSummary,
  partners: Map<string, PartnerSummary[]>,
): number {
  if (hint.displayId === room.displayId) return 100;
  if (hint.text.includes(room.name.toLowerCase())) return 50;

  let score = 0;
  for (const partner of partners.get(room.id) ?? []) {
    if (hint.partnerKind !== null && partner.kind === hint.partnerKind) score += 2;
    if (mentionsName(hint.text, partner.name)) score += 3;
  }
  for (const word of significantWords(room.name)) if (hint.text.includes(word)) score += 1;
  return score;
}

/** Tells whether the sentence names a partner: the first word of its name (four letters or more) is in it. */
function mentionsName(text: string, name: string): boolean {
  const first = name.toLowerCase().split(/\s+/)[0] ?? '';
  return first.length >= 4 && new RegExp(`\\b${escapeRegExp(first)}\\b`).test(text);
}

function significantWords(name: string): string[] {
  return name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length >= 5);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
