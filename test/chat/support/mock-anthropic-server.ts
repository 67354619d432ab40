import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One content block of a scripted message: text, or a tool call whose JSON input arrives in pieces. */
export type ScriptedBlock =
  | { type: 'text'; pieces: string[] }
  | { type: 'tool_use'; id: string; name: string; inputPieces: string[] };

/** One streamed message: its content blocks and the stop reason of its message_delta. */
export interface ScriptedMessage {
  blocks: ScriptedBlock[];
  stopReason: 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence';
  /** HTTP status to fail with, sending an Anthropic error body instead of a stream. */
  failWithStatus?: number;
  /**
   * An error event sent after the blocks in place of message_delta and
   * message_stop, as the API does when it fails while streaming (overloaded_error).
   */
  streamError?: { type: string; message: string };
}

/** A content block of a request message, as the Anthropic Messages API takes it. */
export interface RequestBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
}

/** The parts of a Messages API request body the tests read. */
export interface MessagesRequest {
  model: string;
  max_tokens: number;
  stream?: boolean;
  system?: unknown;
  messages: { role: 'user' | 'assistant'; content: string | RequestBlock[] }[];
  tools?: { name: string; description?: string; input_schema: { type: string } }[];
}

export interface MockAnthropicServer {
  /** Base URL for LLM_BASE_URL, ending in /v1 as Anthropic's does. */
  baseUrl: string;
  /** Bodies of the Messages API requests received, in order. */
  requests: MessagesRequest[];
  /** Headers of those requests, in order. */
  headers: IncomingMessage['headers'][];
  /** Messages the next requests get, first in first out. */
  script(...messages: ScriptedMessage[]): void;
  /** Forgets the requests and the messages not requested yet. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * Starts a local server speaking the Anthropic Messages API: POST
 * /v1/messages streams the next scripted message as Server-Sent Events in
 * Anthropic's event format. The events are message_start, then per content
 * block a content_block_start, its deltas (text_delta, or input_json_delta
 * for tool_use) and a content_block_stop, then message_delta with the stop
 * reason and message_stop, or an error event in their place when the
 * scripted message has a streamError. A request the API would reject (no max_tokens,
 * no user message first, a blank text block, a tool_result that answers no
 * tool_use of the message before it) gets HTTP 400 with an
 * invalid_request_error, as the API does.
 */
export async function startMockAnthropicServer(): Promise<MockAnthropicServer> {
  const queue: ScriptedMessage[] = [];
  const requests: MessagesRequest[] = [];
  const headers: IncomingMessage['headers'][] = [];
  const server: Server = createServer((request, response) => {
    void readJson(request).then((body) => {
      const messagesRequest = body as MessagesRequest;
      requests.push(messagesRequest);
      headers.push(request.headers);
      const problem =
        request.url === '/v1/messages'
          ? requestProblem(messagesRequest)
          : `unknown path ${request.url}`;
      const scripted = problem === null ? queue.shift() : undefined;
      if (problem !== null || !scripted || scripted.failWithStatus) {
        const status = problem === null ? (scripted?.failWithStatus ?? 500) : 400;
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(errorBody(status, problem ?? 'scripted failure')));
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const [event, data] of eventsOf(scripted, messagesRequest.model))
        response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    headers,
    script: (...messages) => queue.push(...messages),
    reset: () => {
      queue.length = 0;
      requests.length = 0;
      headers.length = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Builds the events of one streamed message, as [event name, data]. */
function eventsOf(message: ScriptedMessage, model: string): [string, unknown][] {
  const events: [string, unknown][] = [
    [
      'message_start',
      {
        type: 'message_start',
        message: {
          id: 'msg_mock',
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 25, output_tokens: 1 },
        },
      },
    ],
  ];
  message.blocks.forEach((block, index) => events.push(...blockEvents(block, index)));
  if (message.streamError) {
    events.push(['error', { type: 'error', error: message.streamError }]);
    return events;
  }
  events.push(
    [
      'message_delta',
      {
        type: 'message_delta',
        delta: { stop_reason: message.stopReason, stop_sequence: null },
        usage: { output_tokens: 15 },
      },
    ],
    ['message_stop', { type: 'message_stop' }],
  );
  return events;
}

function blockEvents(block: ScriptedBlock, index: number): [string, unknown][] {
  const start =
    block.type === 'text'
      ? { type: 'text', text: '' }
      : { type: 'tool_use', id: block.id, name: block.name, input: {} };
  const deltas =
    block.type === 'text'
      ? block.pieces.map((text) => ({ type: 'text_delta', text }))
      : block.inputPieces.map((partial_json) => ({ type: 'input_json_delta', partial_json }));
  return [
    ['content_block_start', { type: 'content_block_start', index, content_block: start }],
    ...deltas.map((delta): [string, unknown] => [
      'content_block_delta',
      { type: 'content_block_delta', index, delta },
    ]),
    ['content_block_stop', { type: 'content_block_stop', index }],
  ];
}

/** Returns why the Messages API would reject the request, or null when it would take it. */
function requestProblem(request: MessagesRequest): string | null {
  if (typeof request.max_tokens !== 'number') return 'max_tokens: Field required';
  if (request.messages[0]?.role !== 'user')
    return 'messages: the first message must use the user role';
  for (const [index, message] of request.messages.entries()) {
    const blocks =
      typeof message.content === 'string'
        ? [{ type: 'text', text: message.content }]
        : message.content;
    const blank = blocks.find((block) => block.type === 'text' && !block.text?.trim());
    if (blank) return `messages.${index}: text content blocks must contain non-whitespace text`;

    const results = blocks.filter((block) => block.type === 'tool_result');
    if (results.length === 0) continue;

    const previous = request.messages[index - 1]?.content;
    const calls = new Set(
      (typeof previous === 'string' ? [] : (previous ?? []))
        .filter((block) => block.type === 'tool_use')
        .map((block) => block.id),
    );
    const unanswered = results.find((block) => !calls.has(block.tool_use_id));
    if (unanswered)
      return `messages.${index}: tool_result ${unanswered.tool_use_id} has no tool_use in the previous message`;
  }
  return null;
}

function errorBody(status: number, message: string) {
  const type = status === 400 ? 'invalid_request_error' : 'api_error';
  return { type: 'error', error: { type, message } };
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8'));
}

/** Builds a text block streamed in the given pieces. */
export function textBlock(...pieces: string[]): ScriptedBlock {
  return { type: 'text', pieces };
}

/** Builds a tool_use block whose JSON input arrives in the given pieces. */
export function toolUseBlock(id: string, name: string, inputPieces: string[]): ScriptedBlock {
  return { type: 'tool_use', id, name, inputPieces };
}
