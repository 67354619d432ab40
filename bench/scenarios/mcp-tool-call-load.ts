import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { z } from 'zod';
import { serveBenchRequests } from '../lib/child-protocol.ts';
import { McpCapacityRequestSchema, measureCapacity } from './mcp-tool-call-capacity.ts';

const McpLoadRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('connect'), baseUrl: z.string(), apiKey: z.string() }),
  /** Sequential round trips of one path, each timed from send to the parsed response. */
  z.object({
    kind: z.literal('measure'),
    path: z.enum(['rest', 'mcp']),
    count: z.number().int().positive(),
  }),
  /** Alternates both paths for `durationMs`, untimed, so both are warm (JIT, pools, caches). */
  z.object({ kind: z.literal('warm'), durationMs: z.number().int().positive() }),
  McpCapacityRequestSchema,
]);
export type McpLoadRequest = z.infer<typeof McpLoadRequestSchema>;

export interface McpLoadConnected {
  /** The MCP request the candidate sends: a call of list_clean_rooms, or tools/list when that tool is missing. */
  mcpMethod: 'tools/call list_clean_rooms' | 'tools/list';
  sessionId: string | null;
  restRoomNames: string[];
  mcpRoomNames: string[];
}

export interface McpLoadMeasured {
  /** Latencies of the batch, in milliseconds, in the order they were measured. */
  latencies: number[];
  /** MaxListenersExceededWarning events so far in this process (see countListenerWarnings). */
  listenerWarnings: number;
}

const TOOL_NAME = 'list_clean_rooms';
const REST_PATH = '/api/v1/cleanrooms';

interface Connection {
  client: Client;
  restUrl: string;
  headers: Record<string, string>;
  useTool: boolean;
}

let connection: Connection | null = null;
let listenerWarnings = 0;

/**
 * Counts MaxListenersExceededWarning instead of printing each one. The SDK
 * client passes one AbortSignal to every fetch of a session, and Node's fetch
 * (undici) removes its abort listener only when the request is garbage
 * collected. Thousands of calls between two collections exceed the limit,
 * and the next collection frees the listeners.
 */
function countListenerWarnings(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'MaxListenersExceededWarning') listenerWarnings += 1;
    else process.stderr.write(`${warning.name}: ${warning.message}\n`);
  });
}

/** Opens one MCP session (initialize, initialized) and reads the rooms each path returns. */
async function connect(
  request: Extract<McpLoadRequest, { kind: 'connect' }>,
): Promise<McpLoadConnected> {
  const headers = { authorization: `Bearer ${request.apiKey}` };
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', request.baseUrl), {
    requestInit: { headers },
  });
  const client = new Client({ name: 'bench-mcp-tool-call', version: '1.0.0' });
  await client.connect(transport);
  const { tools } = await client.listTools();
  const useTool = tools.some((tool) => tool.name === TOOL_NAME);
  connection = { client, restUrl: new URL(REST_PATH, request.baseUrl).href, headers, useTool };

  return {
    mcpMethod: useTool ? `tools/call ${TOOL_NAME}` : 'tools/list',
    sessionId: transport.sessionId ?? null,
    restRoomNames: (await callRest(connection)).map((room) => room.name),
    mcpRoomNames: useTool ? (await callTool(connection)).map((room) => room.name) : [],
  };
}

interface RoomPage {
  items: { name: string }[];
}

async function callRest(current: Connection): Promise<RoomPage['items']> {
  const response = await fetch(current.restUrl, { headers: current.headers });
  if (!response.ok) throw new Error(`GET ${REST_PATH} failed with status ${response.status}`);
  return ((await response.json()) as RoomPage).items;
}

async function callTool(current: Connection): Promise<RoomPage['items']> {
  const result = await current.client.callTool({ name: TOOL_NAME, arguments: {} });
  if (result.isError) throw new Error(`${TOOL_NAME} failed: ${JSON.stringify(result.content)}`);
  return (result.structuredContent as unknown as RoomPage).items;
}

async function callMcp(current: Connection): Promise<void> {
  if (current.useTool) await callTool(current);
  else await current.client.listTools();
}

async function measure(path: 'rest' | 'mcp', count: number): Promise<McpLoadMeasured> {
  const current = requireConnection();
  const call = path === 'rest' ? () => callRest(current) : () => callMcp(current);
  const latencies: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await call();
    latencies.push(performance.now() - started);
  }
  return { latencies, listenerWarnings };
}

async function warm(durationMs: number): Promise<number> {
  const current = requireConnection();
  const deadline = performance.now() + durationMs;
  let calls = 0;
  while (performance.now() < deadline) {
    await callRest(current);
    await callMcp(current);
    calls += 2;
  }
  return calls;
}

function requireConnection(): Connection {
  if (connection === null) throw new Error('Send a connect request first');
  return connection;
}

countListenerWarnings();
serveBenchRequests(
  async (payload) => {
    const request = McpLoadRequestSchema.parse(payload);
    switch (request.kind) {
      case 'connect':
        return connect(request);
      case 'measure':
        return measure(request.path, request.count);
      case 'warm':
        return warm(request.durationMs);
      case 'capacity':
        return measureCapacity(request);
    }
  },
  async () => {
    await connection?.client.close();
  },
);
