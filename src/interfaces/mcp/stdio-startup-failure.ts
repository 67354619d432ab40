import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { isJSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';

/** JSON-RPC code of the error sent in place of the initialize response (the implementation-defined range). */
const STARTUP_FAILURE_CODE = -32000;
/** Time to wait for the client's first request, in milliseconds; clients send initialize at once. */
const FIRST_REQUEST_WAIT_MS = 5_000;

export interface StartupFailureOptions {
  /** Defaults to process.stdin and process.stdout. */
  input?: Readable;
  output?: Writable;
  waitMs?: number;
}

/**
 * Responds to the client's first request with a JSON-RPC error carrying
 * `message`, for a stdio server that failed to start. Without it an MCP
 * client sees only "Connection closed", and the reason stays in a stderr
 * log that it may not show. Settles once the error is written, stdin ends,
 * or no request came within the wait. Does nothing on a terminal, where a
 * person reads stderr.
 */
export async function answerFirstRequestWithError(
  message: string,
  options: StartupFailureOptions = {},
): Promise<void> {
  const input = options.input ?? process.stdin;
  if (input.readableEnded || ('isTTY' in input && input.isTTY === true)) return;

  const transport = new StdioServerTransport(input, options.output ?? process.stdout);
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    transport.onmessage = (request) => {
      if (!isJSONRPCRequest(request)) return;
      const error = { code: STARTUP_FAILURE_CODE, message };
      void transport.send({ jsonrpc: '2.0', id: request.id, error }).finally(resolve);
    };
    input.once('end', resolve);
    timer = setTimeout(resolve, options.waitMs ?? FIRST_REQUEST_WAIT_MS);
  });

  await transport.start();
  await done;
  clearTimeout(timer);
  await transport.close();
}
