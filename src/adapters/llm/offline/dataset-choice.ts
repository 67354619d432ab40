import { randomUUID } from 'node:crypto';
import { escapeMarkdown } from '../../../domain/text/escape-markdown.ts';
import { answer, callTools, type OfflineAction } from './offline-action.ts';
import type { SeenToolResult } from './turn-state.ts';

/** One dataset that fits a question's dataset macro. */
interface DatasetCandidate {
  id: string;
  name: string;
}

/** A run request the service rejected because several attached datasets fit one macro. */
interface AmbiguousDatasets {
  macro: string;
  candidates: DatasetCandidate[];
}

/** The service's wording for this case, after markdown escapes are removed (bind-run-datasets.ts). */
const SEVERAL_FIT = /Several datasets fit (@\w+): (.+?); choose one with datasets/;
const CANDIDATE =
  /(.+?) \(([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)(?:, |$)/gi;
const MARKDOWN_ESCAPE = /\\([!-/:-@[-`{-~])/g;

/** Reads the macro and its candidate datasets from a failed preview_run or start_run; null for other errors. */
export function readAmbiguousDatasets(result: SeenToolResult): AmbiguousDatasets | null {
  if (!result.isError) return null;

  const match = SEVERAL_FIT.exec(result.text.replace(MARKDOWN_ESCAPE, '$1'));
  if (!match?.[1] || !match[2]) return null;
  const candidates = [...match[2].matchAll(CANDIDATE)].map((item) => ({
    name: (item[1] ?? '').trim(),
    id: (item[2] ?? '').toLowerCase(),
  }));
  return candidates.length > 0 ? { macro: match[1], candidates } : null;
}

/**
 * Picks the candidate the sentence names, by id or by name, quoted or not.
 * The longest name wins, so "my customers 2026" beats "my customers".
 */
function namedCandidate(sentence: string, candidates: DatasetCandidate[]): DatasetCandidate | null {
  const text = sentence.toLowerCase();
  const byId = candidates.find((candidate) => text.includes(candidate.id));
  if (byId) return byId;

  const byName = candidates
    .filter((candidate) => candidate.name.length > 0 && text.includes(candidate.name.toLowerCase()))
    .sort((left, right) => right.name.length - left.name.length);
  return byName[0] ?? null;
}

/**
 * Handles a start_run rejected because several datasets fit: starts it again with the
 * dataset the sentence names, or asks which one to use. Returns null for
 * other errors, and when the dataset the sentence names was already passed.
 */
export function chooseDataset(
  started: SeenToolResult,
  sentence: string,
  roomLabel: string,
): OfflineAction | null {
  const ambiguous = readAmbiguousDatasets(started);
  if (ambiguous === null) return null;

  const previous = (started.input.datasets ?? {}) as Record<string, string>;
  const named = namedCandidate(sentence, ambiguous.candidates);
  if (named && previous[ambiguous.macro] === undefined) {
    const datasets = { ...previous, [ambiguous.macro]: named.id };
    return callTools([
      {
        toolName: 'start_run',
        input: { ...started.input, datasets, idempotencyKey: randomUUID() },
      },
    ]);
  }
  if (named) return null;
  return askForDataset(ambiguous, roomLabel);
}

function askForDataset({ macro, candidates }: AmbiguousDatasets, roomLabel: string): OfflineAction {
  const names = candidates.map((candidate) => `- ${escapeMarkdown(candidate.name)}`);
  const example = escapeMarkdown(candidates[0]?.name ?? '');
  return answer(
    [
      `Several datasets attached to ${roomLabel} fit ${macro} of this question:`,
      ...names,
      // Without a blank line, Markdown would join this sentence to the last list item.
      '',
      `Which one should I use? Ask again with its name, for example your question followed by "using ${example}".`,
    ].join('\n'),
  );
}
