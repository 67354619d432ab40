import type { CleanRoom } from '../../domain/clean-rooms/clean-room.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { escapeMarkdown } from '../../domain/text/escape-markdown.ts';
import { getCleanRoom } from '../../services/clean-rooms/get-clean-room.ts';
import type { ServiceContext } from '../../services/service-context.ts';

/**
 * Names a clean room for people in a tool text: "Holiday Retail (CR-000002)",
 * with the name escaped for markdown. Tool texts name rooms this way and
 * leave the UUID to the structured content.
 */
export function cleanRoomLabel(room: Pick<CleanRoom, 'name' | 'displayId'>): string {
  return `${escapeMarkdown(room.name)} (${room.displayId})`;
}

/** Reads the clean rooms with these ids (UUIDs or display ids), once each, keyed by the id as given. */
export async function cleanRoomsById(
  services: ServiceContext,
  caller: Caller,
  ids: Iterable<string>,
): Promise<Map<string, CleanRoom>> {
  const entries = [...new Set(ids)].map(
    async (id) => [id, await getCleanRoom(services, caller, id)] as const,
  );
  return new Map(await Promise.all(entries));
}
