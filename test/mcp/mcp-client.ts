import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createMcpServer } from '../../src/interfaces/mcp/create-mcp-server.ts';
import { authenticateApiKey } from '../../src/services/auth/authenticate-api-key.ts';
import type { TestPlatform } from '../support/test-platform.ts';

export interface McpTestClient {
  client: Client;
  /** Calls a tool and returns its result, error results included. */
  call(name: string, args?: Record<string, unknown>, options?: RequestOptions): Promise<ToolCall>;
  close(): Promise<void>;
}

export interface ToolCall {
  result: CallToolResult;
  /** The text content, joined. */
  text: string;
  /** structuredContent, typed by the test that reads it. */
  data: Record<string, unknown>;
}

/**
 * Connects the official MCP client to a server built by createMcpServer for
 * the organization of `apiKey`, over the SDK's in-memory transport pair.
 * Tools are listed once, so the client validates structured results against
 * the advertised output schemas.
 */
export async function connectMcpClient(test: TestPlatform, apiKey: string): Promise<McpTestClient> {
  const caller = await authenticateApiKey(test.platform.context, apiKey);
  const server = createMcpServer(test.platform.context, caller);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'cleanroom-test-client', version: '1.0.0' });
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  await client.listTools();

  return {
    client,
    async call(name, args = {}, options) {
      const result = (await client.callTool(
        { name, arguments: args },
        undefined,
        options,
      )) as CallToolResult;
      const text = result.content.map((item) => (item.type === 'text' ? item.text : '')).join('\n');
      return { result, text, data: (result.structuredContent ?? {}) as Record<string, unknown> };
    },
    async close() {
      await client.close();
      await server.close();
    },
  };
}
