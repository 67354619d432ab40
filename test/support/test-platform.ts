import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { dropSchemas, TEST_DATABASE_URL } from './postgres.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createPlatform, type Platform } from '../../src/app/create-platform.ts';
import { createLogger, type Logger } from '../../src/adapters/logging/logger.ts';
import { seedDemoWorkspace } from '../../src/services/seed/seed-demo-workspace.ts';
import {
  readDemoCredentials,
  type DemoCredential,
} from '../../src/services/seed/demo-credentials.ts';
import { createHttpServer } from '../../src/interfaces/http/create-http-server.ts';

export type Backend = 'postgres' | 'pglite';

/** Last day of the seeded demo's 30-day window, fixed so results are the same every day. */
export const DEMO_END_DATE = '2026-11-30';

export interface TestPlatformOptions {
  backend: Backend;
  seed?: 'small' | 'none';
  env?: Record<string, string>;
  startWorker?: boolean;
  /** Reuses the data directory and schema of an earlier platform, as a restarted process would. */
  reuse?: { dataDir: string; schema: string };
  /** Logger of the platform, such as one writing to a stream a test reads; silent by default. */
  log?: Logger;
}

export interface TestPlatform {
  platform: Platform;
  app: FastifyInstance;
  dataDir: string;
  schema: string;
  credentials: DemoCredential[];
  /** Demo API key of the advertiser, publisher and retailer. */
  keys: { advertiser: string; publisher: string; retailer: string };
  /** Demo user's web app password of the advertiser, publisher and retailer. */
  passwords: { advertiser: string; publisher: string; retailer: string };
  /** Demo user's email of the advertiser, publisher and retailer. */
  emails: { advertiser: string; publisher: string; retailer: string };
  /** Stops the platform and drops its schemas and files. */
  close(): Promise<void>;
  /** Stops the platform but keeps its schemas and files, for a restart with `reuse`. */
  stop(): Promise<void>;
}

/** Starts a whole platform on its own schema and data directory, seeded small unless `seed` is 'none'. */
export async function startTestPlatform(options: TestPlatformOptions): Promise<TestPlatform> {
  const dataDir =
    options.reuse?.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'cleanroom-test-')));
  const schema = options.reuse?.schema ?? `t_${randomBytes(6).toString('hex')}`;
  const config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_SCHEMA: schema,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    QUEUE_POLL_INTERVAL_SECONDS: '1',
    ENGINE_THREADS: '2',
    ...(options.backend === 'postgres' ? { DATABASE_URL: TEST_DATABASE_URL } : {}),
    ...options.env,
  });
  const platform = await createPlatform(config, options.log ?? createLogger(config.LOG_LEVEL, 2), {
    purpose: 'test',
  });
  if (options.seed !== 'none')
    await seedDemoWorkspace(platform.context, { size: 'small', dataDir, endDate: DEMO_END_DATE });
  const credentials = await readDemoCredentials(dataDir);
  if (options.startWorker !== false) await platform.startWorker();
  const app = await createHttpServer(platform);
  await app.ready();

  const keyOf = (prefix: string) =>
    credentials.find((credential) => credential.organization.startsWith(prefix))?.apiKey ?? '';
  const credentialOf = (prefix: string) =>
    credentials.find((credential) => credential.organization.startsWith(prefix));
  return {
    platform,
    app,
    dataDir,
    schema,
    credentials,
    keys: {
      advertiser: keyOf('Northwind'),
      publisher: keyOf('Daily Ledger'),
      retailer: keyOf('Cornerstone'),
    },
    passwords: {
      advertiser: credentialOf('Northwind')?.password ?? '',
      publisher: credentialOf('Daily Ledger')?.password ?? '',
      retailer: credentialOf('Cornerstone')?.password ?? '',
    },
    emails: {
      advertiser: credentialOf('Northwind')?.email ?? '',
      publisher: credentialOf('Daily Ledger')?.email ?? '',
      retailer: credentialOf('Cornerstone')?.email ?? '',
    },
    stop: async () => {
      await app.close();
      await platform.close();
    },
    close: async () => {
      await app.close();
      await platform.close();
      if (options.backend === 'postgres') await dropSchemas(schema);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
