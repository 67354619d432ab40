import { hash } from 'node:crypto';
import etag from '@fastify/etag';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Paths under which every response depends on the caller or on live state. */
const API_PREFIXES = ['/api/', '/mcp', '/ws'];
/**
 * Paths whose responses no cache may keep, the browser's included: the
 * operational endpoints, and API paths whose responses contain secrets (API
 * key metadata).
 */
const NO_STORE_PREFIXES = ['/health', '/metrics', '/api/v1/api-keys'];
const SAFE_METHODS = new Set(['GET', 'HEAD']);
/** Request headers a per-user API response depends on, besides the encoding. */
const PER_USER_VARY = ['Authorization', 'Cookie', 'Accept-Encoding'];
const SHARED_VARY = ['Accept-Encoding'];

/**
 * Registers ETags and the Cache-Control and Vary headers of every response
 * whose route did not set Cache-Control itself:
 * - POST, PUT, PATCH and DELETE responses and error responses: `no-store`;
 * - authenticated API GETs: `private, no-cache` and
 *   `Vary: Authorization, Cookie, Accept-Encoding`, so no shared cache (CDN,
 *   nginx) stores one caller's data, and the browser revalidates each time;
 * - other API GETs (the OpenAPI document): `no-cache`;
 * - /health, /metrics and API key listings: `no-store`.
 * Static files get theirs from the static web app plugin. Only successful
 * GET and HEAD responses without `no-store` keep their ETag, so errors,
 * writes and no-store routes never get a 304.
 *
 * @fastify/etag tags string and Buffer bodies with a strong hash of the
 * uncompressed body. This plugin handles If-None-Match itself with the weak
 * comparison RFC 9110 section 13.1.2 requires, so `W/"x"` matches `"x"`:
 * nginx and CDNs weaken strong tags when they compress a response.
 *
 * NOTE: the tag hashes the uncompressed body, so the brotli, gzip and
 * identity variants share one strong tag, although RFC 9110 expects one tag
 * per representation. Vary: Accept-Encoding keeps the variants apart in
 * caches, and a 304 only confirms the variant the cache already stores.
 */
export async function registerCachingHeaders(app: FastifyInstance): Promise<void> {
  await app.register(etag, { replyWith304: false, hashFn: hashBody });

  app.addHook('onSend', (request, reply, payload, done) => {
    setCacheHeaders(request, reply);
    if (!isCacheable(request, reply)) reply.removeHeader('etag');
    if (!isNotModified(request, reply, payload)) {
      done(null, payload);
      return;
    }

    reply.code(304);
    reply.removeHeader('content-length');
    done(null, '');
  });
}

/**
 * Returns the entity tag @fastify/etag gives `body`: a strong tag of the
 * SHA-1 of the bytes, in base64. A route that memoizes its serialized body
 * sets this tag itself, so the plugin does not hash the body on each request.
 */
export function computeEntityTag(body: string | Buffer): string {
  return `"${hashBody(body)}"`;
}

/** crypto.hash is the one-shot form of createHash: about half the cost per body. */
function hashBody(body: string | Buffer): string {
  return hash('sha1', body, 'base64');
}

function setCacheHeaders(request: FastifyRequest, reply: FastifyReply): void {
  if (reply.hasHeader('cache-control')) return;

  const path = request.url;
  if (!SAFE_METHODS.has(request.method) || reply.statusCode >= 400) {
    reply.header('cache-control', 'no-store');
    return;
  }
  if (NO_STORE_PREFIXES.some((prefix) => path.startsWith(prefix))) {
    reply.header('cache-control', 'no-store');
    return;
  }
  if (!API_PREFIXES.some((prefix) => path.startsWith(prefix))) return;

  const perUser =
    request.headers.authorization !== undefined ||
    request.headers.cookie !== undefined ||
    request.caller !== null;
  reply.header('cache-control', perUser ? 'private, no-cache' : 'no-cache');
  appendVary(reply, perUser ? PER_USER_VARY : SHARED_VARY);
}

/**
 * True for a successful GET or HEAD that a cache may keep, the only
 * responses that get an ETag (and so a 304). A 304 from the static file
 * plugin keeps its tag, as RFC 9110 section 15.4.5 requires.
 */
function isCacheable(request: FastifyRequest, reply: FastifyReply): boolean {
  if (!SAFE_METHODS.has(request.method)) return false;
  const status = reply.statusCode;
  if ((status < 200 || status > 299) && status !== 304) return false;

  const cacheControl = String(reply.getHeader('cache-control') ?? '').toLowerCase();
  return !cacheControl.includes('no-store');
}

/** True for a successful GET or HEAD whose ETag matches the request's If-None-Match. */
function isNotModified(request: FastifyRequest, reply: FastifyReply, payload: unknown): boolean {
  const ifNoneMatch = request.headers['if-none-match'];
  const tag = reply.getHeader('etag');
  if (ifNoneMatch === undefined || typeof tag !== 'string') return false;
  if (!SAFE_METHODS.has(request.method) || reply.statusCode !== 200) return false;
  // @fastify/static sends streams (static files) and checks If-None-Match itself.
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return false;

  return matchesWeakly(ifNoneMatch, tag);
}

/** Weak comparison of an If-None-Match list (`*`, or tags separated by commas) with one entity tag. */
function matchesWeakly(ifNoneMatch: string, entityTag: string): boolean {
  if (ifNoneMatch.trim() === '*') return true;

  const opaque = stripWeakPrefix(entityTag.trim());
  const candidates = ifNoneMatch.match(/(?:W\/)?"[^"]*"/g) ?? [];
  return candidates.some((candidate) => stripWeakPrefix(candidate) === opaque);
}

function stripWeakPrefix(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/** Adds names to Vary without repeating those already there. */
export function appendVary(reply: FastifyReply, names: readonly string[]): void {
  const existing = reply.getHeader('vary');
  if (existing === undefined) {
    reply.header('vary', names.join(', '));
    return;
  }

  const current = String(existing);
  const present = new Set(
    current
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name.length > 0),
  );
  if (present.has('*')) return;

  const added = names.filter((name) => !present.has(name.toLowerCase()));
  if (added.length === 0) return;
  reply.header('vary', [current, ...added].filter((part) => part.length > 0).join(', '));
}
