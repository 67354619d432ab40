import type { FastifyInstance } from 'fastify';
import { bearer } from './test-platform.ts';

/** Sends a dataset import the way a browser or curl would: form fields first, then the file. */
export async function importFile(
  app: FastifyInstance,
  key: string,
  fields: Record<string, string>,
  fileName: string,
  content: Buffer | string,
) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  form.set('file', new Blob([content]), fileName);
  return app.inject({
    method: 'POST',
    url: '/api/v1/datasets',
    headers: bearer(key),
    payload: form,
  });
}

export async function getJson<T = unknown>(app: FastifyInstance, key: string, url: string) {
  const response = await app.inject({ method: 'GET', url, headers: bearer(key) });
  return { status: response.statusCode, body: response.json() as T };
}

export async function sendJson<T = unknown>(
  app: FastifyInstance,
  key: string,
  method: 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  body?: unknown,
) {
  const response = await app.inject({
    method,
    url,
    headers: bearer(key),
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return { status: response.statusCode, body: (response.body ? response.json() : null) as T };
}

export interface RunView {
  id: string;
  status: string;
  progress: number;
  failureReason: string | null;
  attempt: number;
}

/** Polls a run until it reaches a final status; fails the test after `timeoutMs`. */
export async function waitForRun(
  app: FastifyInstance,
  key: string,
  runId: string,
  timeoutMs = 30_000,
): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await getJson<RunView>(app, key, `/api/v1/runs/${runId}`);
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(body.status)) return body;
    if (Date.now() > deadline)
      throw new Error(`run ${runId} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface CleanRoomView {
  id: string;
  displayId: string;
  name: string;
}

export async function findRoom(
  app: FastifyInstance,
  key: string,
  namePart: string,
): Promise<CleanRoomView> {
  const { body } = await getJson<{ items: CleanRoomView[] }>(
    app,
    key,
    `/api/v1/cleanrooms?search=${encodeURIComponent(namePart)}`,
  );
  const room = body.items[0];
  if (!room) throw new Error(`no clean room matches ${namePart}`);
  return room;
}
