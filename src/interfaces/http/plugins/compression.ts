import compress from '@fastify/compress';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Bodies smaller than this, in bytes, go out uncompressed: the saving would not pay for the CPU. */
const COMPRESSION_THRESHOLD_BYTES = 1024;

/**
 * Content types worth compressing: text, JSON, JavaScript, XML and SVG.
 * Excluded on purpose: `text/event-stream` (MCP and chat streams, which a
 * compressor would buffer), NDJSON streams, and binary types such as
 * Parquet, PNG or octet-stream downloads, which are already compressed.
 */
const COMPRESSIBLE_TYPES =
  /^text\/(?!event-stream)|^application\/(?:[\w.-]+\+)?json(?:;|$)|^application\/(?:javascript|xml|manifest\+json)(?:;|$)|^image\/svg\+xml/;

/**
 * Registers the one compression layer of the server: brotli or gzip,
 * negotiated from Accept-Encoding (brotli at quality 4, the library's
 * default for responses compressed per request). A response that already has
 * a Content-Encoding, such as a precompressed static file, passes through
 * untouched, and so do hijacked responses (the MCP endpoint writes its SSE
 * streams to the socket itself). Register it before any route, because the
 * library hooks each route as it is added.
 */
export async function registerCompression(app: FastifyInstance): Promise<void> {
  await app.register(compress, {
    global: true,
    encodings: ['br', 'gzip'],
    threshold: COMPRESSION_THRESHOLD_BYTES,
    customTypes: COMPRESSIBLE_TYPES,
  });
  // The library adds `accept-encoding` to Vary with a case-sensitive check, so
  // it repeats an `Accept-Encoding` set earlier. This hook runs after the
  // library's, because both are route hooks and this one is added later.
  app.addHook('onRoute', (route) => {
    route.onSend = [...toArray(route.onSend), deduplicateVary];
  });
}

function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Removes repeated Vary field names, compared case-insensitively as RFC 9110
 * section 12.5.5 defines them, and keeps the first spelling. The library
 * appends to Vary only when it sets Content-Encoding, so responses without
 * that header skip the check.
 */
function deduplicateVary(
  _request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (error: null, payload: unknown) => void,
): void {
  const vary = reply.getHeader('vary');
  if (vary !== undefined && reply.getHeader('content-encoding') !== undefined) {
    reply.header('vary', uniqueFieldNames(vary));
  }
  done(null, payload);
}

function uniqueFieldNames(vary: string | number | string[]): string {
  const names = (Array.isArray(vary) ? vary : [String(vary)])
    .flatMap((part) => part.split(','))
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const seen = new Set<string>();
  return names
    .filter((name) => {
      const key = name.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .join(', ');
}
