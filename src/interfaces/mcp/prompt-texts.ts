import type { CleanRoom } from '../../domain/clean-rooms/clean-room.ts';

/**
 * Texts of the workflow prompts. Each names the tools to call in order with
 * the clean room's display id, and ends with how to report privacy facts,
 * so the assistant never presents suppressed or noised numbers as exact.
 */

const REPORTING =
  'When you report numbers, say how many rows were suppressed (suppressedRowCount) and whether noise was applied (noiseApplied); never present suppressed segments as zero.';

function roomLine(room: CleanRoom): string {
  return `Clean room "${room.name}" (${room.displayId}): crowd size ${room.cleanRoomParameters.CROWD_SIZE}, noise ${room.cleanRoomParameters.ENABLE_NOISE ? 'on' : 'off'}, your role ${room.myRole}.`;
}

function runSteps(
  room: CleanRoom,
  question: string,
  parameters: Record<string, unknown>,
): string[] {
  const json = JSON.stringify(parameters);
  return [
    `Call preview_run with cleanRoomId "${room.displayId}", questionId "${question}" and parameters ${json}; fix any parameter it rejects, and tell me which segments will be suppressed before going on.`,
    `Call start_run with the same arguments, a new idempotencyKey and waitSeconds 30; if it has not finished, follow it with get_run.`,
    'Call get_results with the runId and read every page (nextCursor) before summarising.',
  ];
}

function numbered(steps: string[]): string {
  return steps.map((step, index) => `${index + 1}. ${step}`).join('\n');
}

export function overlapText(
  room: CleanRoom,
  args: { partner?: string; attribute?: string; dateStart?: string; dateEnd?: string },
): string {
  const partner = args.partner ?? 'the partner';
  const attribute = args.attribute ?? '<attribute>';
  const steps = [
    `Call list_partners and list_datasets with cleanRoomId "${room.displayId}" to confirm that ${partner} brought an audience dataset and to see its attribute columns. If several partner audiences are attached, pass datasets { "@partner_audience": "<dataset id of ${partner}>" } in the calls below.`,
    args.attribute
      ? `Call get_question with questionId "audience_overlap" and cleanRoomId "${room.displayId}" to check that ${args.attribute} is an allowed attribute.`
      : `Call get_question with questionId "audience_overlap" and cleanRoomId "${room.displayId}"; choose the attribute from its allowed values, and ask me if several are plausible.`,
    ...runSteps(room, 'audience_overlap', { attribute }),
    'Show attribute_value, overlap_count, overlap_rate and index as a table, and point out the segments with an index well above 100.',
  ];
  const dates =
    args.dateStart || args.dateEnd
      ? `\nAudience overlap compares the audiences as attached and takes no dates, so the range ${args.dateStart ?? '...'} to ${args.dateEnd ?? '...'} does not apply to it; say so, and offer campaign reach and frequency for that window.`
      : '';
  return `${roomLine(room)}\nMeasure how much of our audience overlaps with ${partner}'s audience, broken down by ${args.attribute ?? "one of the partner's attributes"}.\n${numbered(steps)}${dates}\n${REPORTING}`;
}

export function reachFrequencyText(
  room: CleanRoom,
  args: { dateStart: string; dateEnd: string; campaignIds?: string },
): string {
  const campaignIds = (args.campaignIds ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const parameters = {
    date_start: args.dateStart,
    date_end: args.dateEnd,
    ...(campaignIds.length > 0 ? { campaign_ids: campaignIds } : {}),
  };
  const steps = [
    `Call get_question with questionId "reach_frequency" and cleanRoomId "${room.displayId}" to see which exposures and audience datasets it binds.`,
    ...runSteps(room, 'reach_frequency', parameters),
    'Show reach and impressions per campaign (the ALL rows), then the frequency distribution (buckets 1 to 5+) of the largest campaigns.',
  ];
  return `${roomLine(room)}\nMeasure the reach and frequency of ${campaignIds.length > 0 ? `campaigns ${campaignIds.join(', ')}` : 'every campaign'} from ${args.dateStart} to ${args.dateEnd}.\n${numbered(steps)}\n${REPORTING}`;
}

export function attributionText(
  room: CleanRoom,
  args: { dateStart: string; dateEnd: string; model?: string; lookbackDays?: string },
): string {
  const parameters = {
    date_start: args.dateStart,
    date_end: args.dateEnd,
    ...(args.model ? { model: args.model } : {}),
    ...(args.lookbackDays ? { lookback_days: Number(args.lookbackDays) } : {}),
  };
  const steps = [
    `Call get_question with questionId "attribution" and cleanRoomId "${room.displayId}" to see the attribution models, the lookback range and the datasets it binds.`,
    ...runSteps(room, 'attribution', parameters),
    'Show converters, attributed_conversions and attributed_value per campaign, sorted by attributed_value, and name the model and lookback window used.',
  ];
  return `${roomLine(room)}\nAttribute the conversions from ${args.dateStart} to ${args.dateEnd} to campaigns${args.model ? ` with the ${args.model} model` : ''}.\n${numbered(steps)}\n${REPORTING}`;
}

export function privacyText(room: CleanRoom): string {
  const parameters = room.cleanRoomParameters;
  const noise = parameters.ENABLE_NOISE
    ? `enabled: counts get Laplace noise of scale ${parameters.DATA_DECIBEL} people, so small differences between segments may be noise`
    : 'disabled: released counts are exact';
  return [
    roomLine(room),
    'Explain to me in plain words what these settings mean for the answers we can get in this clean room:',
    `- Crowd size (k-min) ${parameters.CROWD_SIZE}: every result row that counts fewer than ${parameters.CROWD_SIZE} distinct people is suppressed, and results report how many rows were suppressed. Totals and indexes are computed from released rows only, so suppressed rows cannot be recovered by subtraction.`,
    `- Noise ${noise}.`,
    `- Export ${parameters.ENABLE_EXPORT ? 'enabled: results may be exported to destinations' : 'disabled: results stay in the platform'}.`,
    '- Identifier and PII columns are never shown and cannot be used to break results down; only aggregates of approved questions leave the clean room.',
    `Then suggest how to get fewer suppressed rows (wider date ranges, coarser attributes), and mention that preview_run shows which segments would be suppressed before a run. Call get_clean_room with "${room.displayId}" if you need more detail.`,
  ].join('\n');
}
