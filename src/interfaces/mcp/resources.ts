import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Variables } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { ErrorCode, McpError, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import type { Caller } from '../../domain/organizations/caller.ts';
import { listCleanRooms } from '../../services/clean-rooms/list-clean-rooms.ts';
import { resolveCleanRoom } from '../../services/clean-rooms/resolve-clean-room.ts';
import { getQuestion } from '../../services/questions/get-question.ts';
import { listQuestions } from '../../services/questions/list-questions.ts';
import { getRun } from '../../services/runs/get-run.ts';
import { getRunResults } from '../../services/runs/get-run-results.ts';
import { listRuns } from '../../services/runs/list-runs.ts';
import type { ServiceContext } from '../../services/service-context.ts';
import { createCompletions } from './completions.ts';
import { readResourceSafely } from './resource-errors.ts';

/** URI templates of the resources; run URIs are also what clients subscribe to. */
export const resourceTemplates = {
  cleanRoom: 'cleanroom://clean-rooms/{cleanRoomId}',
  question: 'cleanroom://questions/{questionId}',
  run: 'cleanroom://runs/{runId}',
  runResults: 'cleanroom://runs/{runId}/results',
} as const;

/** Maximum rows a results resource contains; the get_results tool pages through the rest. */
const RESULT_ROWS_MAX = 200;
/** Runs listed per run template: the most recent ones. */
const LISTED_RUNS_MAX = 20;
const LISTED_ROOMS_MAX = 100;

/**
 * Registers the clean room, question, run and run results resources, each
 * with a list of the caller's items and completion of its id variable.
 * Reads go through the services with the caller, so another organization's
 * item is "not found".
 */
export function registerResources(
  server: McpServer,
  services: ServiceContext,
  caller: Caller,
): void {
  const completions = createCompletions(services, caller);
  const read =
    (load: (variables: Variables) => Promise<unknown>) => (uri: URL, variables: Variables) =>
      readResourceSafely(services.log, uri.toString(), async () =>
        json(uri, await load(variables)),
      );

  server.registerResource(
    'clean-room',
    new ResourceTemplate(resourceTemplates.cleanRoom, {
      list: async () => {
        const page = await listCleanRooms(services, caller, { limit: LISTED_ROOMS_MAX });
        return {
          resources: page.items.map((room) => ({
            uri: `cleanroom://clean-rooms/${room.displayId}`,
            name: room.name,
            title: `${room.name} (${room.displayId})`,
            description: `Clean room owned by ${room.ownerOrganization.name}; your role: ${room.myRole}.`,
            mimeType: 'application/json',
          })),
        };
      },
      complete: { cleanRoomId: (typed) => completions.cleanRooms(typed) },
    }),
    {
      title: 'Clean room',
      description:
        'A clean room of your organization by id, display id (CR-000001) or name: owner, your role, dates and privacy settings.',
      mimeType: 'application/json',
    },
    read(async (variables) => {
      const reference = variable(variables, 'cleanRoomId');
      const resolution = await resolveCleanRoom(services, caller, reference);
      if (resolution.match === 'FOUND') return resolution.cleanRoom;
      throw new McpError(
        ErrorCode.InvalidParams,
        `Several clean rooms are named "${reference}": ${resolution.candidates.map((room) => room.displayId).join(', ')}; read one by display id.`,
      );
    }),
  );

  server.registerResource(
    'question',
    new ResourceTemplate(resourceTemplates.question, {
      list: async () => ({
        resources: (await listQuestions(services)).map((question) => ({
          uri: `cleanroom://questions/${question.displayId}`,
          name: question.template,
          title: question.name,
          description: question.description,
          mimeType: 'application/json',
        })),
      }),
      complete: { questionId: (typed) => completions.questions(typed) },
    }),
    {
      title: 'Approved question',
      description:
        'An approved question by display id (CRQ-000001), template key or id: parameters, dataset macros and output columns.',
      mimeType: 'application/json',
    },
    read((variables) => getQuestion(services, variable(variables, 'questionId'))),
  );

  server.registerResource(
    'run-results',
    new ResourceTemplate(resourceTemplates.runResults, {
      list: async () => {
        const page = await listRuns(services, caller, {
          status: 'COMPLETED',
          limit: LISTED_RUNS_MAX,
        });
        return {
          resources: page.items.map((run) => ({
            uri: `cleanroom://runs/${run.id}/results`,
            name: `${run.name} results`,
            description: `Result of ${run.questionDisplayId}, completed ${run.completedAt ?? ''}.`,
            mimeType: 'application/json',
          })),
        };
      },
      complete: { runId: (typed) => completions.runs(typed, 'COMPLETED') },
    }),
    {
      title: 'Run results',
      description: `The first ${RESULT_ROWS_MAX} rows of a completed run's result, with row and suppression counts and privacy settings. Use the get_results tool to page through more.`,
      mimeType: 'application/json',
    },
    read((variables) =>
      getRunResults(services, caller, variable(variables, 'runId'), { limit: RESULT_ROWS_MAX }),
    ),
  );

  server.registerResource(
    'run',
    new ResourceTemplate(resourceTemplates.run, {
      list: async () => {
        const page = await listRuns(services, caller, { limit: LISTED_RUNS_MAX });
        return {
          resources: page.items.map((run) => ({
            uri: `cleanroom://runs/${run.id}`,
            name: run.name,
            description: `Run of ${run.questionDisplayId}, ${run.status}.`,
            mimeType: 'application/json',
          })),
        };
      },
      complete: { runId: (typed) => completions.runs(typed) },
    }),
    {
      title: 'Question run',
      description:
        'A run of one of your clean rooms: status, progress, parameters and privacy settings. Subscribe to it to be notified when its status changes.',
      mimeType: 'application/json',
    },
    read((variables) => getRun(services, caller, variable(variables, 'runId'))),
  );
}

/** Returns a template variable percent-decoded, because names in clean room URIs arrive encoded. */
function variable(variables: Variables, name: string): string {
  const value = variables[name];
  const text = Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
  try {
    return decodeURIComponent(text);
  } catch {
    // A stray "%" that starts no escape is part of the value as typed.
    return text;
  }
}

function json(uri: URL, value: unknown): ReadResourceResult {
  return {
    contents: [
      { uri: uri.toString(), mimeType: 'application/json', text: JSON.stringify(value, null, 2) },
    ],
  };
}
