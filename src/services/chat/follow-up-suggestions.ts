import type { RunEvidence } from '../../domain/chat/chat-stream-event.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { listPartners } from '../partners/list-partners.ts';
import { getCleanRoomQuestion } from '../questions/get-clean-room-question.ts';
import type { ServiceContext } from '../service-context.ts';

/** Marker for an overlap question written for the run's room, with its partner's kind and an attribute its data has. */
const OVERLAP_IN_ROOM = { overlapInRoom: true } as const;
type FollowUp = string | typeof OVERLAP_IN_ROOM;

const QUESTION_FOLLOW_UPS: Record<string, FollowUp[]> = {
  'Audience overlap and index': [
    OVERLAP_IN_ROOM,
    'What is the reach and frequency over the last 30 days?',
  ],
  'Segment sizing': [OVERLAP_IN_ROOM, 'Segment sizing by region'],
  'Reach and frequency': [
    'Which campaigns drove conversions over the last 30 days? (attribution)',
    OVERLAP_IN_ROOM,
  ],
  'Conversion attribution': [
    'Attribution over the last 30 days with the linear model',
    'What is the reach and frequency over the last 30 days?',
  ],
};

/** Suggestions before any run. They name no partner kind or attribute, so they fit every organization. */
const GETTING_STARTED = [
  'List my clean rooms',
  'What questions can I run?',
  'Who are the partners?',
];

/**
 * Two or three follow-up questions the web app offers as buttons, chosen
 * from the answer's last run. An overlap suggestion names the kind of the
 * room's other partner and an attribute of the data the overlap would
 * break down, so it runs as offered for an advertiser and a publisher alike.
 */
export async function followUpSuggestions(
  context: ServiceContext,
  caller: Caller,
  evidence: RunEvidence[],
): Promise<string[]> {
  const run = evidence.at(-1);
  if (!run) return GETTING_STARTED;
  if (run.status === 'QUEUED' || run.status === 'RUNNING')
    return ['What is the status of the run?', 'Show the results', 'Cancel the run'];

  const planned = QUESTION_FOLLOW_UPS[run.questionName] ?? GETTING_STARTED.slice(1);
  const next: string[] = [];
  for (const followUp of planned) {
    const text =
      typeof followUp === 'string' ? followUp : await overlapInRoom(context, caller, run);
    if (text !== null) next.push(text);
  }
  return [...next, 'List the datasets of this clean room'].slice(0, 3);
}

/**
 * Writes an overlap question for the run's room, by an attribute other than
 * the one just used where the data has one. Returns null when the room
 * has no other partner or the overlap question has no attribute to offer.
 */
async function overlapInRoom(
  context: ServiceContext,
  caller: Caller,
  run: RunEvidence,
): Promise<string | null> {
  const partners = await listPartners(context, caller, run.cleanRoomId);
  const other = partners.find((partner) => partner.partnerOrganizationId !== caller.organizationId);
  if (!other) return null;

  const { question } = await getCleanRoomQuestion(
    context,
    caller,
    run.cleanRoomId,
    'audience_overlap',
  );
  const attributes =
    question.parameters.find((parameter) => parameter.name === 'attribute')?.allowedValues ?? [];
  const attribute = attributes.find((name) => name !== run.parameters.attribute) ?? attributes[0];
  if (attribute === undefined) return null;
  return `What is our overlap with the ${other.kind.toLowerCase()} by ${attribute.replace(/_/g, ' ')}?`;
}
