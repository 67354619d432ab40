import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One streamed chat completion: its chunks' deltas and the finish reason of the last chunk. */
export interface ScriptedCompletion {
  deltas: Record<string, unknown>[];
  finishReason: 'stop' | 'length' | 'tool_calls';
  /** HTTP status to fail with, sending an error body instead of a stream. */
  failWithStatus?: number;
}

export interface MockOpenAiServer {
  /** Base URL for LLM_BASE_URL, ending in /v1. */
  baseUrl: string;
  /** Bodies of the chat completion requests received, in order. */
  requests: { messages: { role: string; content: unknown }[]; tools?: unknown[] }[];
  /** Completions the next requests get, first in first out. */
  script(...completions: ScriptedCompletion[]): void;
  /** Forgets the requests and the completions not requested yet. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * Starts a local OpenAI-compatible server: POST /v1/chat/completions streams the
 * next scripted completion as Server-Sent Events, chunk by chunk, as the
 * OpenAI chat completions API does (`data: {...}` lines, then `data: [DONE]`).
 */
export async function startMockOpenAiServer(): Promise<MockOpenAiServer> {
  const queue: ScriptedCompletion[] = [];
  const requests: MockOpenAiServer['requests'] = [];
  const server: Server = createServer((request, response) => {
    void readJson(request).then((body) => {
      requests.push(body as MockOpenAiServer['requests'][number]);
      const completion = queue.shift();
      if (!completion || completion.failWithStatus) {
        response.writeHead(completion?.failWithStatus ?? 500, {
          'content-type': 'application/json',
        });
        response.end(
          JSON.stringify({ error: { message: 'scripted failure', type: 'server_error' } }),
        );
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const chunk of chunksOf(completion))
        response.write(`data: ${JSON.stringify(chunk)}\n\n`);
      response.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...completions) => queue.push(...completions),
    reset: () => {
      queue.length = 0;
      requests.length = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function chunksOf(completion: ScriptedCompletion) {
  const chunk = (delta: Record<string, unknown>, finishReason: string | null) => ({
    id: 'chatcmpl-mock',
    object: 'chat.completion.chunk',
    created: 1_764_460_800,
    model: 'mock-model',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  return [
    chunk({ role: 'assistant', content: '' }, null),
    ...completion.deltas.map((delta) => chunk(delta, null)),
    chunk({}, completion.finishReason),
  ];
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8'));
}

/** Text deltas of a completion. */
export function textDeltas(...pieces: string[]): Record<string, unknown>[] {
  return pieces.map((content) => ({ content }));
}

/** Deltas of one tool call whose JSON arguments arrive in the given pieces. */
export function toolCallDeltas(
  id: string,
  name: string,
  argumentPieces: string[],
  index = 0,
): Record<string, unknown>[] {
  const start = {
    tool_calls: [{ index, id, type: 'function', function: { name, arguments: '' } }],
  };
  const pieces = argumentPieces.map((piece) => ({
    tool_calls: [{ index, function: { arguments: piece } }],
  }));
  return [start, ...pieces];
}
