import { escapeMarkdown } from '../../../domain/text/escape-markdown.ts';
import { reasonForPeople } from './offline-action.ts';
import type { RoomSummary } from './room-choice.ts';

/** A failed preview_run's reason, shared by every room it was given for. */
interface ReasonGroup {
  /** The reason as the first room's preview stated it. */
  reason: string;
  rooms: RoomSummary[];
}

/** Distinct reasons stated in full. Rooms failing for further reasons are only counted. */
const REASONS_SHOWN_MAX = 4;
/** Display ids named after a reason that several rooms share. The rest are counted. */
const ROOMS_NAMED_PER_REASON = 5;

/**
 * Lists why a question cannot run in the rooms checked, one line per
 * distinct reason. Previews of rooms that fail the same way differ only
 * in the room's display id, so those rooms share one line, and the
 * answer stays short however many rooms were checked.
 */
export function unfitRoomLines(
  checked: RoomSummary[],
  errorTextOf: (room: RoomSummary) => string,
): string[] {
  const groups = groupByReason(checked, errorTextOf);
  const statedLines = groups.slice(0, REASONS_SHOWN_MAX).flatMap(reasonLines);
  const otherRooms = groups.slice(REASONS_SHOWN_MAX).flatMap((group) => group.rooms);
  if (otherRooms.length === 0) return statedLines;
  return [
    ...statedLines,
    `- ${roomCountText(otherRooms.length)} (${namedRooms(otherRooms)}) for other reasons: ask about one of them by display id to see why.`,
  ];
}

function groupByReason(
  rooms: RoomSummary[],
  errorTextOf: (room: RoomSummary) => string,
): ReasonGroup[] {
  const groups = new Map<string, ReasonGroup>();
  for (const room of rooms) {
    // A failed preview's text is a tool error text, escaped where it was made.
    const reason = reasonForPeople(errorTextOf(room));
    const key = reason.replaceAll(room.displayId, '\u0000');
    const group = groups.get(key);
    if (group) group.rooms.push(room);
    else groups.set(key, { reason, rooms: [room] });
  }
  return [...groups.values()];
}

function reasonLines({ reason, rooms }: ReasonGroup): string[] {
  const [first, ...others] = rooms;
  if (first === undefined) return [];

  const line = `- ${first.displayId} (${escapeMarkdown(first.name)}): ${reason}`;
  if (others.length === 0) return [line];
  return [line, `- The same applies to ${roomCountText(others.length)}: ${namedRooms(others)}.`];
}

function namedRooms(rooms: RoomSummary[]): string {
  const named = rooms.slice(0, ROOMS_NAMED_PER_REASON).map((room) => room.displayId);
  const rest = rooms.length - named.length;
  return rest > 0 ? `${named.join(', ')} and ${rest} more` : named.join(', ');
}

function roomCountText(count: number): string {
  return count === 1 ? '1 other room' : `${count} other rooms`;
}
