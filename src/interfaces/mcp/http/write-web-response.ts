import type { ServerResponse } from 'node:http';
import type { ReadableStreamDefaultReader, ReadableStreamReadResult } from 'node:stream/web';

type ChunkReader = ReadableStreamDefaultReader<Uint8Array>;
type ChunkResult = ReadableStreamReadResult<Uint8Array>;

/**
 * Writes a fetch Response from the SDK's web-standard transport to a Node
 * response, each chunk at the latest at the end of the event-loop turn in
 * which the body stream yields it.
 *
 * This replaces the SDK's Node wrapper (SDK 1.32), which goes through
 * @hono/node-server 2.1. For a response without `transfer-encoding: chunked`,
 * that adapter reads ahead up to two chunks and, when the second is not
 * there yet, waits a setTimeout (at least 1 ms in Node) before writing
 * anything. Every SSE response to a tool call waited for that timer, because
 * its priming event is ready at once and its result is not. The behaviour
 * came with @hono/node-server 1.18 and is reported upstream as
 * honojs/node-server#266.
 *
 * When the client goes away, the body stream is cancelled as the SDK
 * expects, so the transport stops writing to it and keeps the events for a
 * resume.
 */
export async function writeWebResponse(response: Response, target: ServerResponse): Promise<void> {
  const headers = headersOf(response);
  if (response.body === null) {
    target.writeHead(response.status, headers).end();
    return;
  }

  const reader = response.body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  if (target.destroyed) {
    cancel();
    return;
  }
  target.once('close', cancel);
  try {
    target.writeHead(response.status, headers);
    await pipeChunks(reader, target);
  } finally {
    target.off('close', cancel);
  }
}

async function pipeChunks(reader: ChunkReader, target: ServerResponse): Promise<void> {
  let next = reader.read();
  // A stream that has nothing to send yet (a GET stream) shows the client its headers at once.
  if ((await peek(next)) === null) target.flushHeaders();
  else holdUntilThisTurnEnds(target);

  for (;;) {
    const result = await next;
    if (result.done || target.destroyed) {
      target.end();
      return;
    }

    next = reader.read();
    // The transport closes a POST's stream in the same tick as it sends the
    // response, so the response and the end of the body go out in one write.
    const following = await peek(next);
    if (following?.done) {
      target.end(result.value);
      return;
    }
    if (!target.write(result.value)) await drainedOrClosed(target);
  }
}

/**
 * Buffers the writes of this event-loop turn (headers and the priming
 * event) and sends them at its end, so that the response to a call that
 * completes within the turn, such as a cached read, goes out in the same
 * write: one packet for the client to parse instead of two. end() sends
 * everything at once if it comes first.
 */
function holdUntilThisTurnEnds(target: ServerResponse): void {
  target.cork();
  setImmediate(() => {
    if (!target.writableEnded) target.uncork();
  });
}

/**
 * Returns the result of `read` when it has already settled, else null. A
 * read of a chunk already queued settles at once, so its reaction runs
 * before that of the already-resolved null.
 */
function peek(read: Promise<ChunkResult>): Promise<ChunkResult | null> {
  return Promise.race([read, Promise.resolve(null)]);
}

function drainedOrClosed(target: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      target.off('drain', done);
      target.off('close', done);
      resolve();
    };
    target.once('drain', done);
    target.once('close', done);
  });
}

/** Returns the response's headers for writeHead, with each Set-Cookie value kept apart. */
function headersOf(response: Response): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return headers;
}
