import type { Command } from 'commander';
import { ApiClient, apiOptionsFrom } from '../api-client.ts';
import { CliError, loadConfigOrExit } from '../boot.ts';
import { formatTable, plural } from '../print-table.ts';

interface RunOptions {
  param: string[];
  dataset: string[];
  name?: string;
  idempotencyKey?: string;
  timeout: string;
  url?: string;
  apiKey?: string;
}

interface Run {
  id: string;
  status: string;
  progress: number;
  failureReason: string | null;
}

interface ResultPage {
  columns: { name: string }[];
  rows: (string | number | null)[][];
  rowCount: number;
  suppressedRowCount: number;
  noiseApplied: boolean;
  privacy: { crowdSize: number; noise: { enabled: boolean; scale: number } };
  nextCursor: string | null;
}

/** Interval between two reads of the run's status, in milliseconds. */
const POLL_INTERVAL_MS = 250;

export function registerRunQuestionCommand(program: Command): void {
  program
    .command('run-question')
    .description('Run a question in a clean room, show progress, and print the result table')
    .argument('<cleanRoom>', 'clean room id or display id (CR-000001)')
    .argument(
      '<question>',
      'question id, display id (CRQ-000001) or template name (audience_overlap)',
    )
    .option(
      '-p, --param <name=value>',
      'question parameter; repeat for several. A list parameter takes a JSON array (values=\'["a","b"]\') or the same name repeated',
      collect,
      [],
    )
    .option(
      '-d, --dataset <macro=datasetId>',
      'dataset for a macro such as @partner_audience; repeat for several',
      collect,
      [],
    )
    .option('--name <name>', 'run name')
    .option('--idempotency-key <key>', 'resubmitting with the same key returns the first run')
    .option('--timeout <seconds>', 'stop waiting after this many seconds (the run goes on)', '600')
    .option('--url <url>', 'server URL (default: CLEANROOM_URL or http://127.0.0.1:PORT)')
    .option('--api-key <key>', 'API key (default: CLEANROOM_API_KEY)')
    .action((cleanRoom: string, question: string, options: RunOptions) =>
      runQuestion(cleanRoom, question, options),
    );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function runQuestion(
  cleanRoom: string,
  question: string,
  options: RunOptions,
): Promise<void> {
  const config = loadConfigOrExit();
  const client = new ApiClient(apiOptionsFrom(options, config.PORT));
  const run = await client.post<Run>(`/cleanrooms/${encodeURIComponent(cleanRoom)}/runs`, {
    questionId: question,
    parameters: parseParameters(options.param),
    datasets: options.dataset.length > 0 ? parsePairs(options.dataset, '--dataset') : undefined,
    name: options.name,
    idempotencyKey: options.idempotencyKey,
  });
  process.stderr.write(`Run ${run.id} submitted.\n`);

  const finished = await waitForRun(client, run.id, Number(options.timeout) * 1000);
  if (finished.status !== 'COMPLETED') {
    throw new CliError(
      `Run ${finished.id} ended ${finished.status}${finished.failureReason ? `: ${finished.failureReason}` : ''}.`,
    );
  }
  await printResults(client, run.id);
}

/** Parses --param pairs: a JSON array value becomes a list, and a name given twice collects its values. */
function parseParameters(pairs: string[]): Record<string, string | string[]> {
  const parameters: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(parsePairsInOrder(pairs, '--param'))) {
    const values = value.map(parseListValue).flat();
    parameters[name] =
      values.length === 1 && !value[0]!.trimStart().startsWith('[') ? values[0]! : values;
  }
  return parameters;
}

function parseListValue(value: string): string[] {
  if (!value.trimStart().startsWith('[')) return [value];

  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {
    // Falls through: the error below names the value.
  }
  throw new CliError(`--param value ${value} is not a JSON array; write values='["a","b"]'.`);
}

function parsePairsInOrder(pairs: string[], option: string): Record<string, string[]> {
  const collected: Record<string, string[]> = {};
  for (const [name, value] of pairs.map((pair) => splitPair(pair, option))) {
    collected[name] = [...(collected[name] ?? []), value];
  }
  return collected;
}

function splitPair(pair: string, option: string): [string, string] {
  const separator = pair.indexOf('=');
  if (separator <= 0) throw new CliError(`${option} "${pair}" is invalid; write name=value.`);
  return [pair.slice(0, separator), pair.slice(separator + 1)];
}

function parsePairs(pairs: string[], option: string): Record<string, string> {
  return Object.fromEntries(pairs.map((pair) => splitPair(pair, option)));
}

async function waitForRun(client: ApiClient, runId: string, timeoutMs: number): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  let lastProgress = -1;
  for (;;) {
    const run = await client.get<Run>(`/runs/${runId}`);
    if (run.progress !== lastProgress || run.status !== 'RUNNING') {
      process.stderr.write(`  ${run.status} ${run.progress}%\n`);
      lastProgress = run.progress;
    }
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(run.status)) return run;
    if (Date.now() > deadline)
      throw new CliError(
        `Run ${runId} is still ${run.status} after the timeout; follow it with GET /api/v1/runs/${runId}.`,
      );
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

async function printResults(client: ApiClient, runId: string): Promise<void> {
  let cursor: string | null = null;
  let page: ResultPage;
  const rows: ResultPage['rows'] = [];
  do {
    page = await client.get<ResultPage>(
      `/runs/${runId}/results?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
    );
    rows.push(...page.rows);
    cursor = page.nextCursor;
  } while (cursor);

  process.stdout.write(
    `${formatTable(
      page.columns.map((column) => column.name),
      rows,
    )}\n`,
  );
  const noise = page.noiseApplied
    ? `Laplace noise with scale ${page.privacy.noise.scale}`
    : 'no noise';
  process.stdout.write(
    `\n${plural(page.rowCount, 'row')}; ${plural(page.suppressedRowCount, 'row')} suppressed under the crowd size of ${page.privacy.crowdSize}; ${noise}.\n`,
  );
}
