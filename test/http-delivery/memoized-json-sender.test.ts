import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { registerCachingHeaders } from '../../src/interfaces/http/plugins/caching-headers.ts';
import { createMemoizedJsonSender } from '../../src/interfaces/http/plugins/memoized-json-sender.ts';

interface Room {
  id: string;
  name: string;
}

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Starts a server whose GET /room sends `current.value`; `parses` counts the schema's parses of a name. */
async function startServer(current: { value: Room }) {
  const parses = { count: 0 };
  const RoomSchema = z.object({
    id: z.string(),
    name: z.string().refine(() => {
      parses.count += 1;
      return true;
    }),
  });
  const send = createMemoizedJsonSender<Room>(RoomSchema, { method: 'GET', url: '/room' });
  app = Fastify({ logger: false });
  await registerCachingHeaders(app);
  app.get('/room', async (_request, reply) => send(reply, current.value));
  await app.ready();
  return { app, parses };
}

describe('memoized JSON sender', () => {
  it('serializes with the schema, dropping unknown keys', async () => {
    const value = { id: 'r1', name: 'Retail', internalNote: 'not for clients' } as Room;
    const { app, parses } = await startServer({ value });

    const response = await app.inject({ method: 'GET', url: '/room' });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body).toBe('{"id":"r1","name":"Retail"}');
    expect(parses.count).toBe(1);
  });

  it('serializes one value object once', async () => {
    const { app, parses } = await startServer({ value: { id: 'r1', name: 'Retail' } });

    const first = await app.inject({ method: 'GET', url: '/room' });
    const second = await app.inject({ method: 'GET', url: '/room' });

    expect(parses.count).toBe(1);
    expect(second.body).toBe(first.body);
    expect(second.headers.etag).toBe(first.headers.etag);
  });

  it('sends a new body and tag for a new value', async () => {
    const current = { value: { id: 'r1', name: 'Retail' } };
    const { app, parses } = await startServer(current);
    const first = await app.inject({ method: 'GET', url: '/room' });

    current.value = { id: 'r1', name: 'Retail renamed' };
    const second = await app.inject({ method: 'GET', url: '/room' });

    expect(parses.count).toBe(2);
    expect(second.json<Room>().name).toBe('Retail renamed');
    expect(second.headers.etag).not.toBe(first.headers.etag);
  });

  it('answers a matching If-None-Match with 304', async () => {
    const { app } = await startServer({ value: { id: 'r1', name: 'Retail' } });
    const first = await app.inject({ method: 'GET', url: '/room' });

    const second = await app.inject({
      method: 'GET',
      url: '/room',
      headers: { 'if-none-match': `W/${String(first.headers.etag)}` },
    });

    expect(second.statusCode).toBe(304);
    expect(second.body).toBe('');
  });

  it('fails the request when the value does not match the schema', async () => {
    const { app } = await startServer({ value: { id: 'r1' } as Room });

    const response = await app.inject({ method: 'GET', url: '/room' });

    expect(response.statusCode).toBe(500);
  });
});
