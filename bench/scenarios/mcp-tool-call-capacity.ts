import autocannon from 'autocannon';
import { z } from 'zod';

/** The protocol version the capacity sessions negotiate: the SDK client's (1.32) latest. */
const PROTOCOL_VERSION = '2025-11-25';
const TOOL_NAME = 'list_clean_rooms';

export const McpCapacityRequestSchema = z.object({
  kind: z.literal('capacity'),
  baseUrl: z.string(),
  apiKey: z.string(),
  /** Sessions the calls are spread over, round robin. */
  sessions: z.number().int().positive(),
  connections: z.number().int().positive(),
  durationSeconds: z.number().positive(),
});
export type McpCapacityRequest = z.infer<typeof McpCapacityRequestSchema>;

export interface McpCapacityMeasured {
  callsPerSecond: number;
  calls: number;
  /** Connection errors, timeouts, non-2xx responses and bodies without a tool result. */
  failedCalls: number;
  /** The first body that had no tool result, to explain a failure, or null when there was none. */
  firstBadBody: string | null;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Sends `tools/call list_clean_rooms` as fast as the server responds, from
 * `connections` keep-alive connections, over `sessions` MCP sessions
 * initialized beforehand. Each call has its own JSON-RPC id, and its body
 * (one JSON response, since the call carries no progress token) must carry a
 * result with structured content and no error.
 * autocannon builds raw HTTP requests, so this client process costs far less
 * CPU per call than the SDK client and the server's core is what limits.
 */
export async function measureCapacity(request: McpCapacityRequest): Promise<McpCapacityMeasured> {
  const endpoint = new URL('/mcp', request.baseUrl);
  const sessionIds: string[] = [];
  for (let index = 0; index < request.sessions; index += 1) {
    sessionIds.push(await initializeSession(endpoint, request.apiKey));
  }
  try {
    return await loadSessions(endpoint, request, sessionIds);
  } finally {
    await Promise.all(
      sessionIds.map((sessionId) => endSession(endpoint, request.apiKey, sessionId)),
    );
  }
}

async function loadSessions(
  endpoint: URL,
  request: McpCapacityRequest,
  sessionIds: string[],
): Promise<McpCapacityMeasured> {
  let nextId = 1;
  let badBodies = 0;
  let firstBadBody: string | null = null;
  const result = await autocannon({
    url: endpoint.href,
    connections: request.connections,
    duration: request.durationSeconds,
    timeout: 10,
    pipelining: 1,
    requests: [
      {
        method: 'POST',
        setupRequest: (call) => {
          const id = nextId;
          nextId += 1;
          const sessionId = sessionIds[id % sessionIds.length] as string;
          return {
            ...call,
            headers: { ...mcpHeaders(request.apiKey), 'mcp-session-id': sessionId },
            body: JSON.stringify({
              jsonrpc: '2.0',
              id,
              method: 'tools/call',
              params: { name: TOOL_NAME, arguments: {} },
            }),
          };
        },
        onResponse: (status, body) => {
          if (status !== 200 || isToolResult(body)) return;
          badBodies += 1;
          firstBadBody ??= body.slice(0, 500);
        },
      },
    ],
  });

  return {
    callsPerSecond: Math.round(result.requests.total / request.durationSeconds),
    calls: result.requests.total,
    failedCalls: result.errors + result.timeouts + result.non2xx + badBodies,
    firstBadBody,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

/** True when a JSON or SSE body carries a tools/call result with structured content and no error. */
function isToolResult(body: string): boolean {
  return (
    body.includes('"result":') &&
    body.includes('"structuredContent":') &&
    !body.includes('"isError":true')
  );
}

function mcpHeaders(apiKey: string): Record<string, string> {
  return {
    authorization: `Bearer ${apiKey}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': PROTOCOL_VERSION,
  };
}

/** Opens a session as a client does: initialize, then notifications/initialized. */
async function initializeSession(endpoint: URL, apiKey: string): Promise<string> {
  const headers = mcpHeaders(apiKey);
  const initialized = await fetch(endpoint, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 'bench-mcp-capacity', version: '1.0.0' },
      },
    }),
  });
  const sessionId = initialized.headers.get('mcp-session-id');
  await initialized.text();
  if (!initialized.ok || sessionId === null) {
    throw new Error(
      `initialize failed with status ${initialized.status} and Mcp-Session-Id ${sessionId ?? 'missing'}; the server must run with sessions (MCP_STATELESS unset)`,
    );
  }

  const notified = await fetch(endpoint, {
    method: 'POST',
    headers: { ...headers, 'mcp-session-id': sessionId },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await notified.text();
  if (notified.status !== 202) {
    throw new Error(
      `notifications/initialized failed with status ${notified.status} (expected 202) in session ${sessionId}`,
    );
  }
  return sessionId;
}

async function endSession(endpoint: URL, apiKey: string, sessionId: string): Promise<void> {
  const response = await fetch(endpoint, {
    method: 'DELETE',
    headers: { ...mcpHeaders(apiKey), 'mcp-session-id': sessionId },
  });
  await response.text();
}
