import { lastDays, readDayRange, type DayRange } from './date-phrases.ts';

/** Templates of the approved questions the offline engine can start. */
export type QuestionTemplate =
  'audience_overlap' | 'reach_frequency' | 'attribution' | 'segment_sizing';

export type ListSubject = 'clean_rooms' | 'partners' | 'datasets' | 'questions';

/** Clues in the user's sentence to the clean room to use. */
export interface RoomHint {
  /** A display id such as CR-000001. */
  displayId: string | null;
  /** A partner kind such as PUBLISHER, from "the publisher". */
  partnerKind: string | null;
  /** The lower-case sentence, matched against room and partner names. */
  text: string;
}

export type ChatRequest =
  | { kind: 'help' }
  | { kind: 'list'; subject: ListSubject; room: RoomHint; search: string | null }
  | {
      kind: 'run_question';
      template: QuestionTemplate;
      room: RoomHint;
      attribute: string | null;
      dates: DayRange | null;
      model: string | null;
      lookbackDays: number | null;
    }
  | { kind: 'status' | 'results' | 'cancel'; runId: string | null }
  | { kind: 'more' };

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i;
const DISPLAY_ID = /\bCR-\d{6}\b/i;
const PARTNER_KINDS = ['publisher', 'retailer', 'advertiser', 'agency'];

/**
 * Words that end the attribute of "by <attribute>" when more words follow
 * them, so "by customer since?" reads the column customer_since but "by
 * region since May" reads region.
 */
const ATTRIBUTE =
  /\bby\s+([a-z][a-z0-9_ -]{0,40}?)(?=\s+(?:over|in|for|from|during|between|last|past|since|with|and|using)\s+\S|[?.!,;]|$)/;

/** Questions over a date range. Without dates in the sentence they cover the last DEFAULT_DAYS days. */
const DATED: QuestionTemplate[] = ['reach_frequency', 'attribution'];
const DEFAULT_DAYS = 30;

const QUESTION_PATTERNS: [QuestionTemplate, RegExp][] = [
  ['attribution', /\battribut|\bcredit\b|drove (the )?conversions/],
  ['reach_frequency', /\breach\b|\bfrequency\b/],
  ['segment_sizing', /\bsegment|\bsizing\b|\bsize of\b/],
  ['audience_overlap', /\boverlap|\bin common\b|\bshared (customers|audience)|\bindex\b/],
];

/**
 * Reads what the user asks for from one sentence, with fixed rules so the
 * same sentence always leads to the same tool calls. `today` anchors
 * relative dates.
 */
export function parseRequest(sentence: string, today: Date): ChatRequest {
  const text = sentence.toLowerCase().replace(/\s+/g, ' ').trim();
  const runId = UUID.exec(text)?.[0] ?? null;

  if (
    /^(?:please )?(?:show|see|list|give me|get)? ?(?:me )?(?:the )?(?:more|next)\b|\bnext page\b/.test(
      text,
    )
  )
    return { kind: 'more' };
  if (/\bcancel\b|\bstop (the|my|that) run\b|\babort\b/.test(text))
    return { kind: 'cancel', runId };
  if (
    /\bstatus\b|\bprogress\b|\bis (it|the run) (done|finished|ready)\b|\bhow('s| is) (the|my) run\b/.test(
      text,
    )
  )
    return { kind: 'status', runId };
  if (/\bresults?\b|\bshow (me )?(the )?(numbers|answer|output)\b/.test(text))
    return { kind: 'results', runId };

  const template = QUESTION_PATTERNS.find(([, pattern]) => pattern.test(text))?.[0];
  if (template) return runQuestionRequest(template, text, today);

  const subject = listSubject(text);
  if (subject) return { kind: 'list', subject, room: roomHint(text), search: quoted(text) };
  return { kind: 'help' };
}

function runQuestionRequest(template: QuestionTemplate, text: string, today: Date): ChatRequest {
  const lookback = /(\d{1,2})[- ]day lookback|lookback (?:window )?(?:of )?(\d{1,2}) days/.exec(
    text,
  );
  const touch = /\b(first|last)[ -]touch\b/.exec(text);
  let model: string | null = null;
  if (touch) model = `${touch[1]}_touch`;
  if (/\blinear\b/.test(text)) model = 'linear';
  return {
    kind: 'run_question',
    template,
    room: roomHint(text),
    attribute: attributeName(text),
    dates:
      readDayRange(text, today) ??
      (DATED.includes(template) ? lastDays(today, DEFAULT_DAYS) : null),
    model,
    lookbackDays: lookback ? Number(lookback[1] ?? lookback[2]) : null,
  };
}

function listSubject(text: string): ListSubject | null {
  if (/\bpartners?\b|\bwho (is|are) in\b|\bcollaborat/.test(text)) return 'partners';
  if (/\bdatasets?\b|\bdata\b/.test(text)) return 'datasets';
  if (/\bquestions?\b|\bwhat can (i|we) (ask|run)\b/.test(text)) return 'questions';
  if (/\bclean ?rooms?\b|\brooms?\b/.test(text)) return 'clean_rooms';
  return null;
}

function roomHint(text: string): RoomHint {
  const kind = PARTNER_KINDS.find((candidate) => new RegExp(`\\b${candidate}s?\\b`).test(text));
  return {
    displayId: DISPLAY_ID.exec(text)?.[0].toUpperCase() ?? null,
    partnerKind: kind ? kind.toUpperCase() : null,
    text,
  };
}

/** Reads "by age band" as the column age_band. The server rejects a name the partner's data lacks. */
function attributeName(text: string): string | null {
  const match = ATTRIBUTE.exec(text);
  if (!match?.[1]) return null;

  const words = match[1].replace(/^(the|their|its|our)\s+/, '').trim();
  return words.length > 0 ? words.replace(/[\s-]+/g, '_') : null;
}

/**
 * Text in quotes, or the rest of the sentence after "named" or "called", to
 * search room names with. The term is kept as typed, symbols included,
 * because the service matches % and _ literally.
 */
function quoted(text: string): string | null {
  const inQuotes = /["“']([^"”']{1,100})["”']/.exec(text)?.[1];
  const afterName = /\b(?:named|called)\s+(.{1,100}?)[\s?.!]*$/.exec(text)?.[1];
  const term = (inQuotes ?? afterName)?.trim();
  return term ? term : null;
}
