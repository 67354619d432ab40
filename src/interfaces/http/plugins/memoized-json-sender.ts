import type { FastifyReply } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { computeEntityTag } from './caching-headers.ts';

/** Fastify's own content type for serialized JSON, so memoized bodies go out with the same header. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** A response body serialized once, and its entity tag. */
interface SerializedBody {
  body: string;
  etag: string;
}

export type MemoizedJsonSender<Value extends object> = (
  reply: FastifyReply,
  value: Value,
) => FastifyReply;

/**
 * Creates the sender of a route whose handler returns values of the read
 * cache. It serializes a value with the route's response schema, as the
 * route's own serializer does (zod parse, then JSON.stringify), and computes
 * the ETag that the caching headers plugin would compute. Both are computed
 * once per value object and kept in a WeakMap, so later requests for the same
 * object skip the parse, the stringify and the hash. An in-process cache hit
 * returns the same object each time, and so does a Redis hit while the stored
 * bytes stay the same. A load after an invalidation or expiry returns a new
 * object, which gets its own body and tag. A value must not be changed after
 * it was sent, as a cached value must not be anyway.
 *
 * The sender also marks the reply with the value, so the response memo
 * (response-memo.ts) can replay the whole response while the value stays
 * cached.
 */
export function createMemoizedJsonSender<Value extends object>(
  schema: z.ZodType<Value>,
  route: { method: string; url: string },
): MemoizedJsonSender<Value> {
  const serialize = serializerCompiler({
    schema,
    method: route.method,
    url: route.url,
    httpStatus: '200',
  });
  const memo = new WeakMap<object, SerializedBody>();

  return (reply, value) => {
    let serialized = memo.get(value);
    if (serialized === undefined) {
      const body = serialize(value);
      serialized = { body, etag: computeEntityTag(body) };
      memo.set(value, serialized);
    }
    reply.memoizableValue = value;
    return reply
      .header('content-type', JSON_CONTENT_TYPE)
      .header('etag', serialized.etag)
      .send(serialized.body);
  };
}
