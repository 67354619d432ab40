import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { readDemoCredentials } from '../../src/services/seed/demo-credentials.ts';
import type { ScenarioContext } from '../lib/types.ts';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cliScript = join(repositoryRoot, 'bin', 'cleanroom.js');
const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const BANNER_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

export interface WebBenchServer {
  baseUrl: string;
  email: string;
  password: string;
  stop(): Promise<void>;
}

/** Runs a CLI command to completion with the bench's data directory; throws with its output on failure. */
export function runCli(dataDir: string, args: string[]): void {
  const outcome = spawnSync(process.execPath, [cliScript, ...args], {
    cwd: repositoryRoot,
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '' },
    encoding: 'utf8',
  });
  if (outcome.status !== 0) {
    throw new Error(
      `cleanroom ${args.join(' ')} failed with ${outcome.status}: ${outcome.stderr || outcome.stdout}`,
    );
  }
}

async function waitForUrl(child: ChildProcess, output: () => string): Promise<string> {
  const deadline = performance.now() + BANNER_TIMEOUT_MS;
  for (;;) {
    const match = /Cleanroom Copilot is running at (\S+)/.exec(output());
    if (match) return match[1] as string;
    if (child.exitCode !== null)
      throw new Error(`The server exited before its banner: ${output()}`);
    if (performance.now() > deadline)
      throw new Error(`No server banner after ${BANNER_TIMEOUT_MS} ms: ${output()}`);
    await delay(50);
  }
}

/**
 * Starts `cleanroom start` on the server CPU, on an embedded database in
 * `dataDir` seeded before, serving the web app from `distDir`.
 */
export async function startWebBenchServer(
  context: ScenarioContext,
  dataDir: string,
  distDir: string,
): Promise<WebBenchServer> {
  const nodeArguments = [
    process.execPath,
    cliScript,
    'start',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
  ];
  const [command, ...args] = context.pinning.available
    ? ['taskset', '-c', context.cpuLayout.server, ...nodeArguments]
    : nodeArguments;
  const child = spawn(command as string, args, {
    cwd: repositoryRoot,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      WEB_DIST_DIR: distDir,
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => (output = (output + chunk).slice(-20_000)));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const outcome = await Promise.race([
      exited.then(() => 'exited'),
      delay(STOP_TIMEOUT_MS, 'timeout'),
    ]);
    if (outcome === 'timeout') child.kill('SIGKILL');
  };
  try {
    const baseUrl = await waitForUrl(child, () => output);
    const advertiser = (await readDemoCredentials(dataDir)).find((credential) =>
      credential.organization.startsWith('Northwind'),
    );
    if (advertiser?.password === undefined)
      throw new Error(`No demo password in ${dataDir}/demo-credentials.json`);
    return { baseUrl, email: advertiser.email, password: advertiser.password, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Launches headless Debian Chromium on the load CPU. Pinning goes through a
 * wrapper that execs taskset, so every Chromium process inherits the CPU.
 */
export async function launchBenchChromium(context: ScenarioContext): Promise<Browser> {
  let executablePath = CHROMIUM_PATH;
  if (context.pinning.available) {
    executablePath = join(context.workDirectory, 'chromium-pinned.sh');
    await writeFile(
      executablePath,
      `#!/bin/sh\nexec taskset -c ${context.cpuLayout.load} ${CHROMIUM_PATH} "$@"\n`,
    );
    await chmod(executablePath, 0o755);
  }
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}
