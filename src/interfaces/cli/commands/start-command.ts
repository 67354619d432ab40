import type { Command } from 'commander';
import type { Config } from '../../../config/config.ts';
import { createPlatform, type Platform } from '../../../app/create-platform.ts';
import { createLogger, type Logger } from '../../../adapters/logging/logger.ts';
import { readDemoCredentials } from '../../../services/seed/demo-credentials.ts';
import { seedDemoWorkspace } from '../../../services/seed/seed-demo-workspace.ts';
import { createHttpServer } from '../../http/create-http-server.ts';
import { loadConfigOrExit } from '../boot.ts';

interface StartOptions {
  port?: string;
  host?: string;
  seed?: 'full' | 'small' | 'none';
  worker: boolean;
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'Run the API server and a worker in one process (embedded defaults when DATABASE_URL is unset)',
    )
    .option('--port <port>', 'TCP port to listen on (overrides PORT; default 3000)')
    .option('--host <host>', 'interface to listen on (overrides HOST; default 127.0.0.1)')
    .option(
      '--seed <size>',
      'demo workspace on an empty database: full (1M x 2M rows), small (1%) or none (overrides SEED)',
    )
    .option('--no-worker', 'serve the API only; runs wait for a `cleanroom worker` process')
    .action((options: StartOptions) => startServer(options));
}

async function startServer(options: StartOptions): Promise<void> {
  if (options.port) process.env.PORT = options.port;
  if (options.host) process.env.HOST = options.host;
  if (options.seed) process.env.SEED = options.seed;
  const config = loadConfigOrExit();
  const log = createLogger(config.LOG_LEVEL);

  const platform = await createPlatform(config, log, { purpose: 'cleanroom start' });
  await seedIfEmpty(platform, config);
  if (options.worker && config.WORKER_ENABLED) await platform.startWorker();

  const app = await createHttpServer(platform);
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  await printBanner(config, address);
  stopOnSignals(log, async () => {
    await app.close();
    await platform.close();
  });
}

/** Seeds the demo workspace into an empty database, printing progress for the person waiting. */
export async function seedIfEmpty(platform: Platform, config: Config): Promise<void> {
  if (config.SEED === 'none') return;

  const started = performance.now();
  let lastLine = '';
  const outcome = await seedDemoWorkspace(platform.context, {
    size: config.SEED,
    dataDir: config.dataDir,
    threads: config.ENGINE_THREADS,
    onProgress: (step, percent) => {
      const line = `Seeding demo workspace (${config.SEED}): ${step} ${Math.round(percent)}%`;
      if (line !== lastLine) process.stderr.write(`${line}\n`);
      lastLine = line;
    },
  });
  if (outcome.seeded) {
    process.stderr.write(
      `Seeded ${outcome.datasets} datasets in ${((performance.now() - started) / 1000).toFixed(1)} s.\n`,
    );
  }
}

async function printBanner(config: Config, address: string): Promise<void> {
  const credentials = await readDemoCredentials(config.dataDir);
  const lines = [
    `Cleanroom Copilot is running at ${config.PUBLIC_URL ?? address}`,
    `  API: ${address}/api/v1   OpenAPI: ${address}/api/v1/openapi.json`,
  ];
  if (credentials.length > 0) {
    lines.push('  Demo API keys (print them again with `cleanroom demo-keys`):');
    for (const credential of credentials)
      lines.push(`    ${credential.organization.padEnd(24)} ${credential.apiKey}`);
    lines.push(`  Web app sign-in at ${config.PUBLIC_URL ?? address}:`);
    for (const credential of credentials.filter((entry) => entry.password))
      lines.push(`    ${credential.email.padEnd(36)} ${credential.password}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Closes everything once on SIGINT or SIGTERM; a second signal exits at once. */
export function stopOnSignals(log: Logger, close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    close()
      .then(() => {
        log.info({ signal }, 'stopped');
        log.flush();
        process.exit(0);
      })
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
