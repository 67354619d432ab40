import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withBenchChild, type BenchChild } from '../lib/child-runner.ts';
import { formatFigureValue } from '../lib/report.ts';
import { measureRound, type MeasuredRound } from '../lib/rounds.ts';
import type {
  BenchScenario,
  Figure,
  ReportTable,
  ScenarioContext,
  ScenarioReport,
} from '../lib/types.ts';
import type {
  ChatBenchOpened,
  ChatBenchRequest,
  FirstTokenSamples,
} from './chat-first-token-child.ts';

const childScript = fileURLToPath(new URL('./chat-first-token-child.ts', import.meta.url));
const endDate = '2026-11-30';

/** Messages timed, by what the offline engine does with them. */
const messages = [
  { label: 'help (no tool call)', text: 'what can you do?' },
  { label: 'list clean rooms (one tool call)', text: 'list my clean rooms' },
];

interface Plan {
  messagesPerRound: number;
  rounds: number;
}

interface Measurement {
  label: string;
  path: 'answerMessage' | 'POST /api/v1/chat';
  rounds: MeasuredRound<FirstTokenSamples>[];
}

/**
 * Time to the first token of the offline assistant: from sending a message
 * to its first text_delta event, in process through answerMessage and over
 * HTTP through POST /api/v1/chat (Server-Sent Events).
 */
export const chatFirstTokenScenario: BenchScenario = {
  name: 'chat-first-token',
  description:
    'Time from sending a chat message to its first streamed token (text_delta) with the offline intent engine, on the embedded default (PGlite, seed small): in process through `answerMessage`, and over loopback HTTP through `POST /api/v1/chat`. Each message starts a new conversation, so the time includes storing the user message and the answer.',
  async run(context) {
    const plan: Plan = context.smoke
      ? { messagesPerRound: 5, rounds: 1 }
      : { messagesPerRound: 40, rounds: 5 };
    const dataDirectory = join(context.workDirectory, 'pglite');
    try {
      const { result, peakMemory, cpusAllowed } = await withBenchChild(
        {
          script: childScript,
          cpus: context.cpuLayout.server,
          pinning: context.pinning,
          requestTimeoutMs: 600_000,
        },
        (child) => measureAll(context, plan, child, dataDirectory),
      );
      return buildReport(plan, result, peakMemory.maxRssBytes, cpusAllowed);
    } finally {
      await rm(dataDirectory, { recursive: true, force: true });
    }
  },
};

async function measureAll(
  context: ScenarioContext,
  plan: Plan,
  child: BenchChild,
  dataDirectory: string,
): Promise<{ opened: ChatBenchOpened; measurements: Measurement[] }> {
  context.progress('building the platform and seeding small');
  const opened = await child.request<ChatBenchOpened>({
    kind: 'open',
    dataDirectory,
    endDate,
  } satisfies ChatBenchRequest);
  const measurements: Measurement[] = [];
  for (const message of messages) {
    const inProcess = (count: number) =>
      child.request<FirstTokenSamples>({
        kind: 'measure',
        text: message.text,
        messages: count,
      } satisfies ChatBenchRequest);
    const overHttp = (count: number) => measureOverHttp(opened, message.text, count);
    await inProcess(2);
    await overHttp(2);
    measurements.push(
      await measureRounds(context, plan, message.label, 'answerMessage', inProcess),
    );
    measurements.push(
      await measureRounds(context, plan, message.label, 'POST /api/v1/chat', overHttp),
    );
  }
  return { opened, measurements };
}

async function measureRounds(
  context: ScenarioContext,
  plan: Plan,
  label: string,
  path: Measurement['path'],
  task: (count: number) => Promise<FirstTokenSamples>,
): Promise<Measurement> {
  const rounds: MeasuredRound<FirstTokenSamples>[] = [];
  for (let round = 1; round <= plan.rounds; round += 1) {
    context.progress(`${label} via ${path}: round ${round} of ${plan.rounds}`);
    rounds.push(
      await measureRound(
        () => task(plan.messagesPerRound),
        (share, attempt) =>
          context.progress(
            `attempt ${attempt} saw ${(share * 100).toFixed(1)}% foreign CPU; repeating it`,
          ),
      ),
    );
  }
  return { label, path, rounds };
}

/** Posts messages one at a time and times each until the first text_delta event arrives. */
async function measureOverHttp(
  opened: ChatBenchOpened,
  text: string,
  count: number,
): Promise<FirstTokenSamples> {
  const samples: FirstTokenSamples = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    const response = await fetch(`${opened.baseUrl}/api/v1/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${opened.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ conversationId: null, clientMessageId: randomUUID(), text }),
    });
    if (!response.ok || !response.body)
      throw new Error(`POST /api/v1/chat failed with HTTP ${response.status}`);
    samples.push(await readUntilFirstToken(response.body, started));
  }
  return samples;
}

/** Reads the whole stream, so the next message starts on an idle server, and returns the first token's time. */
async function readUntilFirstToken(
  body: ReadableStream<Uint8Array>,
  started: number,
): Promise<number> {
  const decoder = new TextDecoder();
  let received = '';
  let firstToken: number | null = null;
  for await (const chunk of body) {
    received += decoder.decode(chunk, { stream: true });
    if (firstToken === null && received.includes('event: text_delta'))
      firstToken = performance.now() - started;
  }
  if (firstToken === null) throw new Error('The answer streamed no text_delta event.');
  return firstToken;
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

function samplesOf(measurement: Measurement): number[] {
  return measurement.rounds.flatMap((round) => round.value);
}

function buildReport(
  plan: Plan,
  result: { opened: ChatBenchOpened; measurements: Measurement[] },
  maxRssBytes: number,
  cpusAllowed: string | null,
): ScenarioReport {
  return {
    figures: result.measurements.flatMap(buildFigures),
    details: [
      `The server is a fresh child pinned to CPU ${cpusAllowed ?? 'unknown'} that builds the platform with \`createPlatform\` (${result.opened.database}), seeds it small (end date ${endDate}), sets the offline chat runtime with the default limits and listens on 127.0.0.1. The HTTP client runs in the bench process.`,
      `Per message and path: 2 untimed warm-up messages, then ${plan.rounds} round(s) of ${plan.messagesPerRound} messages sent one at a time, each in a new conversation as the advertiser. A round that saw more than 7.5% foreign CPU is repeated.`,
      'In process: from calling `answerMessage` to its first `text_delta` event. Over HTTP: from `fetch` to the first chunk that contains `event: text_delta`. The offline engine streams an answer only after its tool calls, so "list clean rooms" includes one `list_clean_rooms` call.',
      `Percentiles are nearest-rank. Peak RSS of the child: ${formatFigureValue(maxRssBytes / 1024 / 1024, 'MB')}. No target is set for these figures yet.`,
    ],
    tables: [buildRoundTable(result.measurements)],
  };
}

function buildFigures(measurement: Measurement): Figure[] {
  const samples = samplesOf(measurement);
  const noisy = measurement.rounds.some((round) => round.noisy);
  const name = `offline assistant, ${measurement.label}, ${measurement.path}: time to first token`;
  return [
    { name: `${name}, p50`, value: percentile(samples, 0.5), unit: 'ms', target: null, noisy },
    { name: `${name}, p99`, value: percentile(samples, 0.99), unit: 'ms', target: null, noisy },
  ];
}

function buildRoundTable(measurements: Measurement[]): ReportTable {
  const format = (value: number) => formatFigureValue(value, 'ms');
  return {
    title: 'Rounds',
    columns: ['Message', 'Path', 'Round', 'Messages', 'p50', 'Max', 'Foreign CPU', 'Attempts'],
    rows: measurements.flatMap((measurement) =>
      measurement.rounds.map((round, index) => [
        measurement.label,
        measurement.path,
        String(index + 1),
        String(round.value.length),
        format(percentile(round.value, 0.5)),
        format(Math.max(...round.value)),
        `${(round.foreignCpuShare * 100).toFixed(1)}%`,
        String(round.attempts),
      ]),
    ),
  };
}
