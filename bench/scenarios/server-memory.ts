import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { formatFigureValue } from '../lib/report.ts';
import { measureRound, type MeasuredRound } from '../lib/rounds.ts';
import type { BenchScenario, ScenarioContext, ScenarioReport } from '../lib/types.ts';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cliScript = join(repositoryRoot, 'bin', 'cleanroom.js');
const bytesPerMegabyte = 1024 * 1024;
const targetSeedSeconds = 60;
const stopTimeoutMs = 15_000;
const runPollIntervalMs = 100;
const httpTimeoutMs = 30_000;
const advertiserName = 'Northwind Outfitters';
const overlapRun = { questionId: 'audience_overlap', parameters: { attribute: 'age_band' } };

type SeedSize = 'full' | 'small';

interface MemoryReading {
  vmRssBytes: number;
  vmHwmBytes: number;
  /** Time since the server process was spawned. */
  atMs: number;
}

interface ServerMeasurement {
  seed: SeedSize;
  /** Wall time of seedDemoWorkspace, as the server printed it ("Seeded N datasets in X s."). */
  seedSeconds: number;
  datasetCount: number;
  bannerMs: number;
  afterSeeding: MemoryReading;
  afterRun: MemoryReading;
  runMs: number;
  stopMs: number;
  cpusAllowed: string | null;
}

/** Starts the real server with the demo seed and reads its memory from /proc before and after one run. */
export const serverMemoryScenario: BenchScenario = {
  name: 'server-memory',
  description: `Resident memory of the real server process (\`node bin/cleanroom.js start --seed full\`, \`--seed small\` in smoke runs, embedded PGlite) after seeding the demo workspace and after one \`audience_overlap\` run submitted through the REST API, and the wall time of seeding.`,
  async run(context) {
    const seed: SeedSize = context.smoke ? 'small' : 'full';
    let attempt = 0;
    const measured = await measureRound(
      () => measureServer(context, seed, ++attempt),
      (share, failedAttempt) =>
        context.progress(
          `attempt ${failedAttempt} saw ${(share * 100).toFixed(1)}% foreign CPU; repeating it`,
        ),
    );
    return buildReport(measured, !context.smoke);
  },
};

async function measureServer(
  context: ScenarioContext,
  seed: SeedSize,
  attempt: number,
): Promise<ServerMeasurement> {
  const dataDirectory = join(context.workDirectory, `server-${attempt}`);
  context.progress(`starting the server with --seed ${seed}`);
  const server = ServerProcess.start(context, seed, dataDirectory);
  try {
    const bannerTimeoutMs = seed === 'full' ? 300_000 : 120_000;
    const banner = await server.waitForBanner(bannerTimeoutMs);
    const bannerMs = server.elapsedMs();
    requireNodeProcess(server.pid);
    const afterSeeding = readMemory(server);
    const seeded = server.readSeedOutcome();

    context.progress('submitting one audience_overlap run through the REST API');
    const runMs = await runOverlap(banner, seed === 'full' ? 300_000 : 60_000);
    const afterRun = readMemory(server);
    const cpusAllowed = readStatusField(server.pid, 'Cpus_allowed_list');
    const stopMs = await server.stop(stopTimeoutMs);
    return { seed, ...seeded, bannerMs, afterSeeding, afterRun, runMs, stopMs, cpusAllowed };
  } finally {
    await server.kill();
    await rm(dataDirectory, { recursive: true, force: true });
  }
}

interface Banner {
  baseUrl: string;
  apiKey: string;
}

/** The spawned server process, with its output so far and its exit status. */
class ServerProcess {
  private stdout = '';
  private stderrTail: string[] = [];
  private seedOutcome: { seedSeconds: number; datasetCount: number } | null = null;
  private spawnError: Error | null = null;
  private readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private readonly startedAt = performance.now();

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.readStderr(chunk));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => {
        this.spawnError = error;
        resolve({ code: null, signal: null });
      });
    });
  }

  static start(context: ScenarioContext, seed: SeedSize, dataDirectory: string): ServerProcess {
    const nodeArguments = [
      process.execPath,
      cliScript,
      'start',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--seed',
      seed,
    ];
    // taskset replaces itself with node (exec), so the child's pid is the node process.
    const [command, ...args] = context.pinning.available
      ? ['taskset', '-c', context.cpuLayout.server, ...nodeArguments]
      : nodeArguments;
    const child = spawn(command as string, args, {
      cwd: repositoryRoot,
      env: { ...process.env, DATA_DIR: dataDirectory, LOG_LEVEL: 'warn', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServerProcess(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /** Waits for the "running at" line and the first demo key line, and returns the URL and that key. */
  async waitForBanner(timeoutMs: number): Promise<Banner> {
    const deadline = performance.now() + timeoutMs;
    const pattern =
      /Cleanroom Copilot is running at (\S+)\n[\s\S]*?Demo API keys[^\n]*\n {4}(.+?) +(\S+)\n/;
    for (;;) {
      const match = pattern.exec(this.stdout);
      if (match) return parseBanner(match[1] ?? '', match[2] ?? '', match[3] ?? '');
      if (this.spawnError !== null) {
        throw new Error(`The server failed to start: ${this.spawnError.message}`);
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`The server exited before its banner: ${this.describeOutput()}`);
      }
      if (performance.now() > deadline) {
        throw new Error(
          `Timed out after ${timeoutMs} ms waiting for the server banner: ${this.describeOutput()}`,
        );
      }
      await delay(50);
    }
  }

  readSeedOutcome(): { seedSeconds: number; datasetCount: number } {
    if (this.seedOutcome === null) {
      throw new Error(
        `The server printed no "Seeded ... datasets in ... s." line: ${this.describeOutput()}`,
      );
    }
    return this.seedOutcome;
  }

  /** Sends SIGTERM and returns the time to exit. Fails unless the exit has code 0 and comes within `timeoutMs`. */
  async stop(timeoutMs: number): Promise<number> {
    const started = performance.now();
    this.child.kill('SIGTERM');
    const outcome = await Promise.race([this.exited, delay(timeoutMs, null, { ref: false })]);
    if (outcome === null) {
      throw new Error(`The server did not exit within ${timeoutMs} ms of SIGTERM`);
    }
    if (outcome.code !== 0) {
      throw new Error(
        `The server exited with code ${outcome.code} (signal ${outcome.signal}) after SIGTERM, expected 0: ${this.describeOutput()}`,
      );
    }
    return performance.now() - started;
  }

  /** Kills the server if it still runs and waits for its exit, so its files can be removed. */
  async kill(): Promise<void> {
    const running =
      this.spawnError === null && this.child.exitCode === null && this.child.signalCode === null;
    if (running) this.child.kill('SIGKILL');
    await this.exited;
  }

  private readStderr(chunk: string): void {
    const lines = chunk.split('\n').filter((line) => line.length > 0);
    this.stderrTail = [...this.stderrTail, ...lines].slice(-30);
    for (const line of lines) {
      const seeded = /^Seeded (\d+) datasets in ([\d.]+) s\.$/.exec(line);
      if (seeded) {
        this.seedOutcome = { datasetCount: Number(seeded[1]), seedSeconds: Number(seeded[2]) };
      }
    }
  }

  private describeOutput(): string {
    return `stdout:\n${this.stdout.slice(-2000)}\nstderr (last lines):\n${this.stderrTail.join('\n')}`;
  }
}

function parseBanner(address: string, organization: string, apiKey: string): Banner {
  const url = new URL(address);
  if (url.hostname !== '127.0.0.1') {
    throw new Error(
      `The server listens on ${address}, but the bench only sends requests to 127.0.0.1`,
    );
  }
  if (organization.trim() !== advertiserName) {
    throw new Error(
      `The first demo key belongs to "${organization.trim()}", expected ${advertiserName}`,
    );
  }
  return { baseUrl: url.origin, apiKey };
}

/** Fails unless `pid` is the node binary itself, so /proc readings are of the server, not of a wrapper. */
function requireNodeProcess(pid: number): void {
  const executable = readlinkSync(`/proc/${pid}/exe`);
  const node = realpathSync(process.execPath);
  if (executable !== node) {
    throw new Error(
      `Process ${pid} runs ${executable}, not ${node}: memory readings would miss the server`,
    );
  }
}

function readMemory(server: ServerProcess): MemoryReading {
  const kilobytes = (name: string) => {
    const value = readStatusField(server.pid, name);
    if (value === null) throw new Error(`/proc/${server.pid}/status has no ${name} line`);
    return Number.parseInt(value, 10) * 1024;
  };
  return {
    vmRssBytes: kilobytes('VmRSS'),
    vmHwmBytes: kilobytes('VmHWM'),
    atMs: server.elapsedMs(),
  };
}

function readStatusField(pid: number, name: string): string | null {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(status)?.[1]?.trim() ?? null;
}

/** Submits the overlap run to the Holiday clean room and returns the time until it is COMPLETED. */
async function runOverlap(banner: Banner, timeoutMs: number): Promise<number> {
  const rooms = await requestJson<{ items: { id: string; name: string }[] }>(
    banner,
    'GET',
    '/api/v1/cleanrooms?search=Holiday',
  );
  const room = rooms.body.items[0];
  if (room === undefined) throw new Error('GET /api/v1/cleanrooms?search=Holiday returned no room');

  const started = performance.now();
  const created = await requestJson<{ id: string; status: string }>(
    banner,
    'POST',
    `/api/v1/cleanrooms/${room.id}/runs`,
    overlapRun,
  );
  if (created.status !== 202 || created.body.status !== 'QUEUED') {
    throw new Error(
      `POST /runs returned ${created.status} with status ${created.body.status}, expected 202 and QUEUED`,
    );
  }
  await waitForCompletion(banner, created.body.id, started + timeoutMs);
  return performance.now() - started;
}

async function waitForCompletion(banner: Banner, runId: string, deadline: number): Promise<void> {
  for (;;) {
    const { body } = await requestJson<{ status: string; failureReason: string | null }>(
      banner,
      'GET',
      `/api/v1/runs/${runId}`,
    );
    if (body.status === 'COMPLETED') return;
    if (body.status === 'FAILED' || body.status === 'CANCELLED') {
      throw new Error(`Run ${runId} ended ${body.status}: ${body.failureReason ?? 'no reason'}`);
    }
    if (performance.now() > deadline)
      throw new Error(`Run ${runId} still ${body.status} at the deadline`);
    await delay(runPollIntervalMs);
  }
}

async function requestJson<T>(
  banner: Banner,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${banner.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${banner.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(httpTimeoutMs),
  });
  const text = await response.text();
  if (response.status >= 400)
    throw new Error(`${method} ${path} returned ${response.status}: ${text}`);
  return { status: response.status, body: JSON.parse(text) as T };
}

function buildReport(round: MeasuredRound<ServerMeasurement>, gated: boolean): ScenarioReport {
  const measured = round.value;
  const megabytes = (bytes: number) => bytes / bytesPerMegabyte;
  const seconds = (ms: number) => formatFigureValue(ms / 1000, 's');
  return {
    figures: [
      {
        name: `RSS after seeding (VmRSS at the banner), seed ${measured.seed}`,
        value: megabytes(measured.afterSeeding.vmRssBytes),
        unit: 'MB',
        target: null,
        noisy: round.noisy,
      },
      {
        name: 'RSS after one audience_overlap run (VmRSS)',
        value: megabytes(measured.afterRun.vmRssBytes),
        unit: 'MB',
        target: null,
        noisy: round.noisy,
      },
      {
        name: `seeding wall time, seed ${measured.seed}`,
        value: measured.seedSeconds,
        unit: 's',
        target: gated ? { comparison: '<=', value: targetSeedSeconds } : null,
        noisy: round.noisy,
      },
    ],
    details: [
      `The server runs as \`node bin/cleanroom.js start --port 0 --host 127.0.0.1 --seed ${measured.seed}\` pinned to CPU ${measured.cpusAllowed ?? 'unknown'} (Cpus_allowed_list), with a fresh DATA_DIR, LOG_LEVEL=warn and DATABASE_URL empty (embedded PGlite). Before reading /proc/<pid>/status the bench checks that /proc/<pid>/exe is the node binary.`,
      `Seeding wall time is the server's own "Seeded ${measured.datasetCount} datasets in ... s" line, which times seedDemoWorkspace. The banner came ${seconds(measured.bannerMs)} after the spawn, including Node and tsx start-up, migrations and listening. The server is pinned to one core here, so seeding has half the cores the README's "under a minute on 2 cores" assumes.`,
      `One audience_overlap run (attribute age_band) on the Holiday clean room, submitted with the first printed key (${advertiserName}) through POST /api/v1/cleanrooms/{id}/runs, returned 202 QUEUED and was COMPLETED ${seconds(measured.runMs)} later (GET /api/v1/runs/{id} every ${runPollIntervalMs} ms).`,
      `After SIGTERM the server exited with code 0 in ${seconds(measured.stopMs)} (limit ${seconds(stopTimeoutMs)}).`,
      `Foreign CPU over the whole attempt: ${(round.foreignCpuShare * 100).toFixed(1)}%, attempts: ${round.attempts}.`,
    ],
    tables: [
      {
        title: 'Memory readings (/proc/<pid>/status)',
        columns: ['Point', 'Since spawn', 'VmRSS', 'VmHWM'],
        rows: [
          memoryRow('after seeding (banner printed)', measured.afterSeeding),
          memoryRow('after one audience_overlap run', measured.afterRun),
        ],
      },
    ],
  };
}

function memoryRow(point: string, reading: MemoryReading): string[] {
  const megabytes = (bytes: number) => formatFigureValue(bytes / bytesPerMegabyte, 'MB');
  return [
    point,
    formatFigureValue(reading.atMs / 1000, 's'),
    megabytes(reading.vmRssBytes),
    megabytes(reading.vmHwmBytes),
  ];
}
