import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Logger } from '../../adapters/logging/logger.ts';

export interface StdioHttpBridgeOptions {
  /** The running server's MCP endpoint, such as http://127.0.0.1:3000/mcp. */
  url: URL;
  apiKey: string;
  log: Logger;
}

/**
 * Relays MCP messages between stdio and a running server's Streamable HTTP
 * endpoint, adding the API key, for clients that only speak stdio or cannot
 * send headers (the MCP Inspector CLI 0.15). Resolves when either side closes.
 */
export async function bridgeStdioToHttp(options: StdioHttpBridgeOptions): Promise<void> {
  const local = new StdioServerTransport();
  const remote = new StreamableHTTPClientTransport(options.url, {
    requestInit: { headers: { authorization: `Bearer ${options.apiKey}` } },
  });

  const closed = new Promise<void>((resolve) => {
    local.onclose = resolve;
    remote.onclose = resolve;
  });
  local.onmessage = (message) => {
    remote.send(message).catch((err: unknown) => {
      options.log.error({ err, url: options.url.href }, 'MCP message not relayed to the server');
      void local.close();
    });
  };
  remote.onmessage = (message) => void local.send(message);
  local.onerror = (err) => options.log.warn({ err }, 'stdio transport error');
  remote.onerror = (err) =>
    options.log.warn({ err, url: options.url.href }, 'HTTP transport error');

  await remote.start();
  await local.start();
  await closed;
  await Promise.allSettled([local.close(), remote.close()]);
}
