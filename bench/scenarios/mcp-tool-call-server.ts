import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createPlatform, type Platform } from '../../src/app/create-platform.ts';
import { createLogger } from '../../src/adapters/logging/logger.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createHttpServer } from '../../src/interfaces/http/create-http-server.ts';
import { readDemoCredentials } from '../../src/services/seed/demo-credentials.ts';
import { seedDemoWorkspace } from '../../src/services/seed/seed-demo-workspace.ts';
import { serveBenchRequests } from '../lib/child-protocol.ts';

const McpServerRequestSchema = z.object({
  kind: z.literal('open'),
  dataDirectory: z.string(),
  endDate: z.string(),
});
export type McpServerRequest = z.infer<typeof McpServerRequestSchema>;

export interface McpServerOpened {
  /** http://127.0.0.1:PORT, the server's base URL. */
  baseUrl: string;
  /** Demo API key of the advertiser (Northwind), whose rooms both paths list. */
  apiKey: string;
  database: string;
  seedMs: number;
}

const advertiserPrefix = 'Northwind';
let opened: { platform: Platform; app: FastifyInstance } | null = null;

/**
 * Starts the server under test: the real platform on embedded PGlite with the
 * small demo seed, and its Fastify app serving REST and /mcp. It runs in this
 * process, pinned to the server CPU, so the database work counts there too.
 */
async function open(request: McpServerRequest): Promise<McpServerOpened> {
  if (opened !== null) throw new Error('The server is already open');
  const config = loadConfig({
    DATA_DIR: request.dataDirectory,
    DATABASE_URL: '',
    LOG_LEVEL: 'warn',
    ENGINE_THREADS: '1',
    WORKER_ENABLED: 'false',
  });
  const platform = await createPlatform(config, createLogger(config.LOG_LEVEL, 2), {
    purpose: 'bench mcp-tool-call',
  });

  const seedStarted = performance.now();
  await seedDemoWorkspace(platform.context, {
    size: 'small',
    dataDir: request.dataDirectory,
    endDate: request.endDate,
    threads: 1,
  });
  const seedMs = performance.now() - seedStarted;

  const credentials = await readDemoCredentials(request.dataDirectory);
  const apiKey = credentials.find((entry) =>
    entry.organization.startsWith(advertiserPrefix),
  )?.apiKey;
  if (apiKey === undefined) throw new Error(`The demo seed made no ${advertiserPrefix} API key`);

  const app = await createHttpServer(platform);
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  opened = { platform, app };
  return { baseUrl, apiKey, database: platform.backends.database, seedMs };
}

serveBenchRequests(
  async (payload) => open(McpServerRequestSchema.parse(payload)),
  async () => {
    await opened?.app.close();
    await opened?.platform.close();
  },
);
