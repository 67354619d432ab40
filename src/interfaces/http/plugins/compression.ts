import compress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';

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
}
