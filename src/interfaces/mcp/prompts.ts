import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, type GetPromptResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { CleanRoom } from '../../domain/clean-rooms/clean-room.ts';
import { isAppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { resolveCleanRoom } from '../../services/clean-rooms/resolve-clean-room.ts';
import type { ServiceContext } from '../../services/service-context.ts';
import { describeAppError } from '../tools/invoke-tool.ts';
import { createCompletions, otherPartnerNames, rank, type Completions } from './completions.ts';
import { attributionText, overlapText, privacyText, reachFrequencyText } from './prompt-texts.ts';

const ATTRIBUTION_MODELS = ['first_touch', 'last_touch', 'linear'];

/**
 * Registers the workflow prompts. Argument schemas are built per server
 * because `completable` marks the schema object itself and the completions
 * act for this server's caller.
 */
export function registerPrompts(server: McpServer, services: ServiceContext, caller: Caller): void {
  const completions = createCompletions(services, caller);
  const arg = promptArguments(completions);
  const room = (reference: string) => loadRoom(services, caller, reference);

  server.registerPrompt(
    'audience_overlap_with_partner',
    {
      title: 'Audience overlap with a partner',
      description:
        "Measure how many of your customers a partner also reaches, broken down by one of the partner's attributes, with the overlap index.",
      argsSchema: {
        cleanRoom: arg.cleanRoom(),
        partner: arg.partner(),
        attribute: arg.attribute(),
        dateStart: arg.optionalDate('First day the user asked about, YYYY-MM-DD.'),
        dateEnd: arg.optionalDate('Last day the user asked about, YYYY-MM-DD.'),
      },
    },
    async (args) => {
      const overlapRoom = await room(args.cleanRoom);
      const partner = await checkPartner(services, caller, overlapRoom, args.partner);
      return userMessage(overlapText(overlapRoom, { ...args, partner }));
    },
  );

  server.registerPrompt(
    'campaign_reach_and_frequency',
    {
      title: 'Campaign reach and frequency',
      description:
        'Measure how many people of your audience each campaign reached in a date range and how often they saw it.',
      argsSchema: {
        cleanRoom: arg.cleanRoom(),
        dateStart: arg.date('First day of exposures to count, YYYY-MM-DD.'),
        dateEnd: arg.date('Last day of exposures to count, YYYY-MM-DD.'),
        campaignIds: z
          .string()
          .optional()
          .describe('Campaign ids separated by commas; leave empty for every campaign.'),
      },
    },
    async (args) => userMessage(reachFrequencyText(await room(args.cleanRoom), args)),
  );

  server.registerPrompt(
    'campaign_attribution',
    {
      title: 'Campaign conversion attribution',
      description:
        'Credit conversions and their value in a date range to the campaigns people saw before converting.',
      argsSchema: {
        cleanRoom: arg.cleanRoom(),
        dateStart: arg.date('First day of conversions to attribute, YYYY-MM-DD.'),
        dateEnd: arg.date('Last day of conversions to attribute, YYYY-MM-DD.'),
        model: completable(
          z
            .string()
            .optional()
            .refine((model) => model === undefined || ATTRIBUTION_MODELS.includes(model), {
              message: `must be one of ${ATTRIBUTION_MODELS.join(', ')}`,
            })
            .describe('first_touch, last_touch (default) or linear.'),
          (typed) => rank(ATTRIBUTION_MODELS, typed ?? ''),
        ),
        lookbackDays: z
          .string()
          .regex(/^\d+$/, 'must be a whole number of days')
          .optional()
          .describe(
            'Days before a conversion in which an exposure earns credit, 1 to 90 (default 30).',
          ),
      },
    },
    async (args) => userMessage(attributionText(await room(args.cleanRoom), args)),
  );

  server.registerPrompt(
    'explain_privacy_settings',
    {
      title: 'Explain privacy settings',
      description:
        "Explain in plain words how a clean room's privacy settings (crowd size, noise, export) shape the results you can get.",
      argsSchema: { cleanRoom: arg.cleanRoom() },
    },
    async (args) => userMessage(privacyText(await room(args.cleanRoom))),
  );
}

/** Argument schemas with completion; each call returns a new schema, since completable marks it. */
function promptArguments(completions: Completions) {
  return {
    cleanRoom: () =>
      completable(
        z.string().min(1).describe('Clean room name or display id (CR-000001).'),
        (typed) => completions.cleanRooms(typed ?? ''),
      ),
    partner: () =>
      completable(
        z.string().optional().describe('Partner organization name; completes from the clean room.'),
        (typed, context) => completions.partners(context?.arguments?.cleanRoom, typed ?? ''),
      ),
    attribute: () =>
      completable(
        z
          .string()
          .optional()
          .describe('Partner attribute to break the overlap down by, such as age_band.'),
        (typed, context) =>
          completions.partnerAttributes(context?.arguments?.cleanRoom, typed ?? ''),
      ),
    date: (description: string) => z.iso.date().describe(description),
    optionalDate: (description: string) => z.iso.date().optional().describe(description),
  };
}

/** Resolves the clean room a prompt names; a wrong or ambiguous name is an invalid argument. */
async function loadRoom(
  services: ServiceContext,
  caller: Caller,
  reference: string,
): Promise<CleanRoom> {
  try {
    const resolution = await resolveCleanRoom(services, caller, reference);
    if (resolution.match === 'FOUND') return resolution.cleanRoom;

    const choices = resolution.candidates.map((room) => room.displayId).join(', ');
    throw new McpError(
      ErrorCode.InvalidParams,
      `Several clean rooms are named "${reference}" (${choices}); pass the display id of the one you mean.`,
    );
  } catch (error) {
    if (isAppError(error) && error.status < 500) {
      throw new McpError(ErrorCode.InvalidParams, describeAppError(error));
    }
    throw error;
  }
}

/**
 * Returns the room's partner organization a prompt names, spelled as stored,
 * ignoring case. Any other name is an invalid argument that lists the room's
 * partners, because the workflow would send the model looking for data that
 * this partner never brought to the room.
 */
async function checkPartner(
  services: ServiceContext,
  caller: Caller,
  room: CleanRoom,
  partner: string | undefined,
): Promise<string | undefined> {
  if (partner === undefined || partner.trim() === '') return undefined;

  const names = await otherPartnerNames(services, caller, room.id);
  const match = names.find((name) => name.toLowerCase() === partner.trim().toLowerCase());
  if (match !== undefined) return match;

  const next =
    names.length === 0
      ? 'it has no partner besides your organization, so leave partner empty'
      : `its partners are ${names.join(', ')}; pass one of them as partner, or leave partner empty`;
  throw new McpError(
    ErrorCode.InvalidParams,
    `VALIDATION_FAILED: "${partner}" is not a partner of clean room ${room.displayId}; ${next}.`,
  );
}

function userMessage(text: string): GetPromptResult {
  return { messages: [{ role: 'user', content: { type: 'text', text } }] };
}
