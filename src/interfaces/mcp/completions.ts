import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { isAppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { attributeColumnNames } from '../../domain/questions/validate-parameters.ts';
import { listCleanRooms } from '../../services/clean-rooms/list-clean-rooms.ts';
import { resolveCleanRoom } from '../../services/clean-rooms/resolve-clean-room.ts';
import { listCleanRoomDatasets } from '../../services/datasets/list-clean-room-datasets.ts';
import { listPartners } from '../../services/partners/list-partners.ts';
import { listQuestions } from '../../services/questions/list-questions.ts';
import { listRuns } from '../../services/runs/list-runs.ts';
import type { ServiceContext } from '../../services/service-context.ts';
import { findUnpairedSurrogate, UNPAIRED_SURROGATE_TEXT } from '../tools/unpaired-surrogate.ts';

/** Maximum rooms or runs read to complete one value; MCP returns at most 100 values per completion. */
const CANDIDATES_MAX = 50;

/**
 * Completion sources for resource template variables and prompt arguments,
 * all scoped to the caller. Each returns the values that start with or
 * contain the typed text, ignoring case, those that start with it first.
 */
export function createCompletions(services: ServiceContext, caller: Caller) {
  return {
    /** Display ids and names of the caller's clean rooms. */
    async cleanRooms(typed: string): Promise<string[]> {
      checkCompletionText(typed);
      const page = await listCleanRooms(services, caller, {
        search: typed.trim() || undefined,
        limit: CANDIDATES_MAX,
      });
      return rank(
        page.items.flatMap((room) => [room.displayId, room.name]),
        typed,
      );
    },

    /** Display ids and template keys of the approved questions. */
    async questions(typed: string): Promise<string[]> {
      checkCompletionText(typed);
      const questions = await listQuestions(services);
      return rank(
        questions.flatMap((question) => [question.displayId, question.template]),
        typed,
      );
    },

    /** Ids of the caller's most recent runs, optionally COMPLETED ones only. */
    async runs(typed: string, status?: 'COMPLETED'): Promise<string[]> {
      checkCompletionText(typed);
      const page = await listRuns(services, caller, { status, limit: CANDIDATES_MAX });
      return rank(
        page.items.map((run) => run.id),
        typed,
      );
    },

    /** Names of the other partner organizations of a clean room; none when the room is unknown. */
    async partners(cleanRoom: string | undefined, typed: string): Promise<string[]> {
      checkCompletionText(typed, cleanRoom);
      const roomId = await findRoomId(cleanRoom);
      if (!roomId) return [];
      return rank(await otherPartnerNames(services, caller, roomId), typed);
    },

    /** Attribute columns of the partners' audience datasets attached to a clean room. */
    async partnerAttributes(cleanRoom: string | undefined, typed: string): Promise<string[]> {
      checkCompletionText(typed, cleanRoom);
      const roomId = await findRoomId(cleanRoom);
      if (!roomId) return [];
      const datasets = await listCleanRoomDatasets(services, caller, roomId);
      const columns = datasets
        .filter((dataset) => dataset.ownerOrganization.id !== caller.organizationId)
        .filter((dataset) => dataset.dataType === 'AUDIENCE' || dataset.dataType === 'CRM')
        .flatMap((dataset) => attributeColumnNames(dataset.columns));
      return rank(columns, typed);
    },
  };

  /** Finds the room a completion context names by id, display id or name; undefined unless exactly one matches. */
  async function findRoomId(reference: string | undefined): Promise<string | undefined> {
    if (!reference?.trim()) return undefined;
    try {
      const resolution = await resolveCleanRoom(services, caller, reference);
      return resolution.match === 'FOUND' ? resolution.cleanRoom.id : undefined;
    } catch (error) {
      // Typing an unknown room is no error: there is just nothing to complete.
      if (isAppError(error) && error.status === 404) return undefined;
      throw error;
    }
  }
}

export type Completions = ReturnType<typeof createCompletions>;

/** Names of a clean room's partner organizations other than the caller's, which a prompt may name as its partner. */
export async function otherPartnerNames(
  services: ServiceContext,
  caller: Caller,
  cleanRoomId: string,
): Promise<string[]> {
  const partners = await listPartners(services, caller, cleanRoomId);
  return partners
    .filter((partner) => partner.partnerOrganizationId !== caller.organizationId)
    .map((partner) => partner.name);
}

/**
 * Rejects a typed value or cleanRoom context argument containing an unpaired
 * UTF-16 surrogate as invalid params, before it reaches a cache key or a
 * query that cannot encode it.
 */
function checkCompletionText(typed: string, cleanRoom?: string): void {
  const invalid = [
    ['the completion value', typed],
    ['the cleanRoom context argument', cleanRoom],
  ].find(([, text]) => findUnpairedSurrogate(text) !== undefined);
  if (invalid === undefined) return;

  throw new McpError(
    ErrorCode.InvalidParams,
    `VALIDATION_FAILED: ${invalid[0]} ${UNPAIRED_SURROGATE_TEXT}.`,
  );
}

/** Keeps distinct values matching the typed text, those starting with it first. */
export function rank(values: string[], typed: string): string[] {
  const needle = typed.trim().toLowerCase();
  const unique = [...new Set(values)];
  const starting = unique.filter((value) => value.toLowerCase().startsWith(needle));
  const containing = unique.filter(
    (value) => !starting.includes(value) && value.toLowerCase().includes(needle),
  );
  return [...starting, ...containing];
}
