import type { RunEvidence } from '../../domain/chat/chat-stream-event.ts';

const QUESTION_FOLLOW_UPS: Record<string, string[]> = {
  'Audience overlap and index': [
    'What is our overlap with the publisher by region?',
    'What is the reach and frequency over the last 30 days?',
  ],
  'Segment sizing': [
    'What is our overlap with the publisher by age band?',
    'Segment sizing by region',
  ],
  'Reach and frequency': [
    'Which campaigns drove conversions over the last 30 days? (attribution)',
    'What is our overlap with the publisher by age band?',
  ],
  'Conversion attribution': [
    'Attribution over the last 30 days with the linear model',
    'What is the reach and frequency over the last 30 days?',
  ],
};

const GETTING_STARTED = [
  'List my clean rooms',
  'What questions can I run?',
  'What is our overlap with the publisher by age band?',
];

/** Two or three follow-up questions the web app offers as buttons, chosen from the answer's last run. */
export function followUpSuggestions(evidence: RunEvidence[]): string[] {
  const run = evidence.at(-1);
  if (!run) return GETTING_STARTED;
  if (run.status === 'QUEUED' || run.status === 'RUNNING')
    return ['What is the status of the run?', 'Show the results', 'Cancel the run'];

  const next = QUESTION_FOLLOW_UPS[run.questionName] ?? GETTING_STARTED.slice(1);
  return [...next, 'List the datasets of this clean room'].slice(0, 3);
}
