import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createLogger } from '../../src/adapters/logging/logger.ts';
import { createPlatform, type Platform } from '../../src/app/create-platform.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { createHttpServer } from '../../src/interfaces/http/create-http-server.ts';
import { authenticateApiKey } from '../../src/services/auth/authenticate-api-key.ts';
import { answerMessage } from '../../src/services/chat/answer-message.ts';
import { createChatRuntime } from '../../src/services/chat/chat-runtime.ts';
import { readDemoCredentials } from '../../src/services/seed/demo-credentials.ts';
import { seedDemoWorkspace } from '../../src/services/seed/seed-demo-workspace.ts';
import { serveBenchRequests } from '../lib/child-protocol.ts';

const ChatBenchRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('open'), dataDirectory: z.string(), endDate: z.string() }),
  z.object({ kind: z.literal('measure'), text: z.string(), messages: z.number().int().positive() }),
]);
export type ChatBenchRequest = z.infer<typeof ChatBenchRequestSchema>;

export interface ChatBenchOpened {
  database: string;
  /** Base URL of the child's HTTP server, for POST /api/v1/chat. */
  baseUrl: string;
  apiKey: string;
}

/** Milliseconds from calling answerMessage to its first text_delta event, one per message. */
export type FirstTokenSamples = number[];

interface OpenState {
  platform: Platform;
  app: FastifyInstance;
  caller: Caller;
}

let state: OpenState | undefined;

async function open(
  request: Extract<ChatBenchRequest, { kind: 'open' }>,
): Promise<ChatBenchOpened> {
  const config = loadConfig({ DATA_DIR: request.dataDirectory, SEED: 'small', LOG_LEVEL: 'warn' });
  const platform = await createPlatform(config, createLogger(config.LOG_LEVEL, 2), {
    purpose: 'bench chat-first-token',
  });
  await seedDemoWorkspace(platform.context, {
    size: 'small',
    dataDir: config.dataDir,
    endDate: request.endDate,
  });
  // The offline engine reads "last 30 days" from this clock; the bench only lists rooms.
  platform.context.chat = createChatRuntime(config, {
    now: () => new Date(`${request.endDate}T12:00:00Z`),
  });
  const app = await createHttpServer(platform);
  await app.listen({ host: '127.0.0.1', port: 0 });

  const credentials = await readDemoCredentials(config.dataDir);
  const advertiser = credentials.find((credential) =>
    credential.organization.startsWith('Northwind'),
  );
  if (!advertiser) throw new Error(`No demo credentials in ${config.dataDir}; seeding failed.`);
  const caller = await authenticateApiKey(platform.context, advertiser.apiKey);
  state = { platform, app, caller };
  const { port } = app.server.address() as AddressInfo;
  return {
    database: platform.backends.database,
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey: advertiser.apiKey,
  };
}

/** Sends messages one at a time through answerMessage and times each to its first text_delta. */
async function measure(
  opened: OpenState,
  request: Extract<ChatBenchRequest, { kind: 'measure' }>,
): Promise<FirstTokenSamples> {
  const samples: FirstTokenSamples = [];
  for (let index = 0; index < request.messages; index += 1) {
    const started = performance.now();
    let firstToken: number | null = null;
    const events = answerMessage(opened.platform.context, opened.caller, {
      conversationId: null,
      clientMessageId: randomUUID(),
      text: request.text,
      signal: new AbortController().signal,
    });
    for await (const event of events) {
      if (event.type === 'text_delta' && firstToken === null)
        firstToken = performance.now() - started;
    }
    if (firstToken === null) throw new Error(`The answer to "${request.text}" streamed no text.`);
    samples.push(firstToken);
  }
  return samples;
}

serveBenchRequests(
  async (payload) => {
    const request = ChatBenchRequestSchema.parse(payload);
    if (request.kind === 'open') return open(request);
    if (!state) throw new Error('Send an open request before measure.');
    return measure(state, request);
  },
  async () => {
    await state?.app.close();
    await state?.platform.close();
  },
);
