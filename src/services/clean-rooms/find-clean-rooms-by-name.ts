import type { CleanRoom } from '../../domain/clean-rooms/clean-room.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { repositories, type Repositories, type ServiceContext } from '../service-context.ts';
import { toCleanRoomView } from './clean-room-view.ts';

/** Maximum rooms suggested when no name matches exactly. */
const SUGGESTIONS_MAX = 5;
/** Words shorter than this are too common ("x", "of") to suggest rooms by. */
const SUGGESTION_WORD_LENGTH_MIN = 3;

export interface CleanRoomsByName {
  /** Rooms whose name equals the requested name, ignoring case; several when names repeat. */
  matches: CleanRoom[];
  /** Rooms whose name contains the requested name or one of its words; empty when a room matched. */
  suggestions: CleanRoom[];
}

/** Finds the caller's clean rooms named `name`, or suggests rooms with similar names. */
export async function findCleanRoomsByName(
  context: ServiceContext,
  caller: Caller,
  name: string,
): Promise<CleanRoomsByName> {
  const repos = repositories(context.db);
  const rows = await repos.cleanRooms.findVisibleByName(caller.organizationId, name.trim());
  if (rows.length > 0) return { matches: rows.map(toCleanRoomView), suggestions: [] };

  return { matches: [], suggestions: await suggestRooms(repos, caller, name) };
}

/** Rooms whose name contains the whole text, or else any of its words, newest first. */
async function suggestRooms(
  repos: Repositories,
  caller: Caller,
  text: string,
): Promise<CleanRoom[]> {
  const words = text
    .split(/\s+/)
    .filter((word) => word.length >= SUGGESTION_WORD_LENGTH_MIN)
    .slice(0, 5);
  const suggestions = new Map<string, CleanRoom>();
  for (const search of [text.trim(), ...words]) {
    if (suggestions.size >= SUGGESTIONS_MAX) break;

    const rows = await repos.cleanRooms.listVisible(caller.organizationId, {
      search,
      limit: SUGGESTIONS_MAX,
    });
    for (const row of rows) suggestions.set(row.id, toCleanRoomView(row));
  }
  return [...suggestions.values()].slice(0, SUGGESTIONS_MAX);
}
