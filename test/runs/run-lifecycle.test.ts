import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors/app-error.ts';
import type { CleanRoomEngine } from '../../src/adapters/engine/engine.ts';
import {
  bearer,
  startTestPlatform,
  type Backend,
  type TestPlatform,
} from '../support/test-platform.ts';
import { TEST_DATABASE_URL } from '../support/postgres.ts';
import {
  findRoom,
  getJson,
  sendJson,
  waitForRun,
  type CleanRoomView,
  type RunView,
} from '../support/api-helpers.ts';

const overlapRun = { questionId: 'audience_overlap', parameters: { attribute: 'age_band' } };

/** Makes the engine's next `failures` runs throw `error` before running, as a flaky disk or a lost file would. */
function failNextRuns(engine: CleanRoomEngine, failures: number, error: () => Error): () => void {
  const original = engine.runQuestion.bind(engine);
  let remaining = failures;
  engine.runQuestion = async (input) => {
    if (remaining > 0) {
      remaining -= 1;
      throw error();
    }
    return original(input);
  };
  return () => {
    engine.runQuestion = original;
  };
}

describe.each<Backend>(['pglite', 'postgres'])('question runs on %s', (backend) => {
  let test: TestPlatform;
  let room: CleanRoomView;

  beforeAll(async () => {
    test = await startTestPlatform({
      backend,
      env: { RUN_RETRY_DELAY_SECONDS: '1', RUN_RETRY_LIMIT: '2' },
    });
    room = await findRoom(test.app, test.keys.advertiser, 'Holiday');
  });

  afterAll(async () => {
    await test?.close();
  });

  async function submit(
    body: Record<string, unknown> = overlapRun,
    headers: Record<string, string> = {},
  ) {
    const response = await test.app.inject({
      method: 'POST',
      url: `/api/v1/cleanrooms/${room.id}/runs`,
      headers: { ...bearer(test.keys.advertiser), ...headers },
      payload: body,
    });
    return { status: response.statusCode, body: response.json() as RunView };
  }

  it('returns at once with a queued run that then completes with a result', async () => {
    const started = await submit();

    expect(started.status).toBe(202);
    expect(['QUEUED', 'RUNNING']).toContain(started.body.status);
    const finished = await waitForRun(test.app, test.keys.advertiser, started.body.id);
    expect(finished.status).toBe('COMPLETED');
    expect(finished.progress).toBe(100);
    const results = await getJson<{ rowCount: number; rows: unknown[] }>(
      test.app,
      test.keys.advertiser,
      `/api/v1/runs/${started.body.id}/results`,
    );
    expect(results.status).toBe(200);
    expect(results.body.rowCount).toBeGreaterThan(0);
  });

  it('publishes each status change of a run', async () => {
    const events: { runId: string; status: string; progress: number }[] = [];
    const unsubscribe = test.platform.context.runEvents.subscribe((event) => events.push(event));
    try {
      const started = await submit();
      await waitForRun(test.app, test.keys.advertiser, started.body.id);

      const statuses = events
        .filter((event) => event.runId === started.body.id)
        .map((event) => event.status);
      expect(statuses[0]).toBe('QUEUED');
      expect(statuses).toContain('RUNNING');
      expect(statuses.at(-1)).toBe('COMPLETED');
    } finally {
      unsubscribe();
    }
  });

  it('returns the first run for a repeated idempotency key', async () => {
    const first = await submit(overlapRun, { 'idempotency-key': `key-${backend}` });
    const second = await submit(overlapRun, { 'idempotency-key': `key-${backend}` });
    const third = await submit({ ...overlapRun, idempotencyKey: `key-${backend}` });

    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(third.body.id).toBe(first.body.id);
    await waitForRun(test.app, test.keys.advertiser, first.body.id);
  });

  it('rejects a reused idempotency key for another request', async () => {
    const first = await submit(overlapRun, { 'idempotency-key': `reuse-${backend}` });
    const other = await submit(
      { questionId: 'audience_overlap', parameters: { attribute: 'region' } },
      { 'idempotency-key': `reuse-${backend}` },
    );

    expect(first.status).toBe(202);
    expect(other.status).toBe(409);
    expect((other.body as unknown as { error: { message: string } }).error.message).toContain(
      first.body.id,
    );
    await waitForRun(test.app, test.keys.advertiser, first.body.id);
  });

  it('retries a transient engine failure and completes once', async () => {
    const restore = failNextRuns(
      test.platform.context.engine,
      1,
      () => new Error('EIO: i/o error, read'),
    );
    try {
      const started = await submit();
      const finished = await waitForRun(test.app, test.keys.advertiser, started.body.id);

      expect(finished.status).toBe('COMPLETED');
      expect(finished.attempt).toBe(2);
    } finally {
      restore();
    }
  });

  it('fails at once on an error that a retry cannot fix', async () => {
    const restore = failNextRuns(
      test.platform.context.engine,
      1,
      () => new AppError('DATASET_UNSUITABLE', 'Dataset lost its email_sha256 column.'),
    );
    try {
      const started = await submit();
      const finished = await waitForRun(test.app, test.keys.advertiser, started.body.id);

      expect(finished.status).toBe('FAILED');
      expect(finished.attempt).toBe(1);
      expect(finished.failureReason).toContain('DATASET_UNSUITABLE');
      const results = await getJson<{ error: { code: string } }>(
        test.app,
        test.keys.advertiser,
        `/api/v1/runs/${started.body.id}/results`,
      );
      expect(results.body.error.code).toBe('RESULT_NOT_READY');
    } finally {
      restore();
    }
  });

  it('refuses to cancel a finished run', async () => {
    const started = await submit();
    await waitForRun(test.app, test.keys.advertiser, started.body.id);

    const cancel = await sendJson<{ error: { code: string } }>(
      test.app,
      test.keys.advertiser,
      'POST',
      `/api/v1/runs/${started.body.id}/cancel`,
    );
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.code).toBe('RUN_NOT_CANCELLABLE');
  });

  it('pages through a result with a cursor', async () => {
    const started = await submit({
      questionId: 'audience_overlap',
      parameters: { attribute: 'region' },
    });
    await waitForRun(test.app, test.keys.advertiser, started.body.id);

    const seen: unknown[] = [];
    let cursor: string | null = null;
    let total: number;
    do {
      const query: string = `limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { body: { rows: unknown[]; rowCount: number; nextCursor: string | null } } =
        await getJson<{ rows: unknown[]; rowCount: number; nextCursor: string | null }>(
          test.app,
          test.keys.advertiser,
          `/api/v1/runs/${started.body.id}/results?${query}`,
        );
      expect(page.body.rows.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.rows);
      total = page.body.rowCount;
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(total);
  });
});

describe.each<Backend>(['pglite', 'postgres'])('run cancellation on %s', (backend) => {
  let test: TestPlatform;

  afterEach(async () => {
    await test?.close();
  });

  it('cancels a queued run, and a worker started later leaves it cancelled', async () => {
    test = await startTestPlatform({ backend, startWorker: false });
    const room = await findRoom(test.app, test.keys.advertiser, 'Holiday');
    const started = await sendJson<RunView>(
      test.app,
      test.keys.advertiser,
      'POST',
      `/api/v1/cleanrooms/${room.id}/runs`,
      overlapRun,
    );

    const cancelled = await sendJson<RunView>(
      test.app,
      test.keys.advertiser,
      'POST',
      `/api/v1/runs/${started.body.id}/cancel`,
    );
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');

    await test.platform.startWorker();
    const marker = await sendJson<RunView>(
      test.app,
      test.keys.advertiser,
      'POST',
      `/api/v1/cleanrooms/${room.id}/runs`,
      overlapRun,
    );
    await waitForRun(test.app, test.keys.advertiser, marker.body.id);
    const after = await getJson<RunView>(
      test.app,
      test.keys.advertiser,
      `/api/v1/runs/${started.body.id}`,
    );
    expect(after.body.status).toBe('CANCELLED');
    expect(after.body.attempt).toBe(0);
  });
});

describe.each<Backend>(['pglite', 'postgres'])('run left by a killed worker on %s', (backend) => {
  it('is picked up again and completes exactly once', async () => {
    const env = { RUN_EXPIRE_SECONDS: '3', QUEUE_MAINTENANCE_INTERVAL_SECONDS: '1' };
    const first = await startTestPlatform({ backend, env, startWorker: false });
    const room = await findRoom(first.app, first.keys.advertiser, 'Holiday');
    const started = await sendJson<RunView>(
      first.app,
      first.keys.advertiser,
      'POST',
      `/api/v1/cleanrooms/${room.id}/runs`,
      overlapRun,
    );
    const keys = first.keys;
    await first.stop();

    const worker = spawn(process.execPath, ['--import', 'tsx', 'test/support/hanging-worker.ts'], {
      env: {
        ...process.env,
        ...env,
        DATA_DIR: first.dataDir,
        DATABASE_SCHEMA: first.schema,
        LOG_LEVEL: 'silent',
        ...(backend === 'postgres' ? { DATABASE_URL: TEST_DATABASE_URL } : {}),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    worker.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    while (!output.includes('claimed')) await once(worker.stdout, 'data');
    worker.kill('SIGKILL');
    await once(worker, 'exit');

    const second = await startTestPlatform({
      backend,
      env,
      reuse: { dataDir: first.dataDir, schema: first.schema },
    });
    try {
      const orphan = await getJson<RunView>(
        second.app,
        keys.advertiser,
        `/api/v1/runs/${started.body.id}`,
      );
      expect(orphan.body.status).toBe('RUNNING');

      const finished = await waitForRun(second.app, keys.advertiser, started.body.id, 60_000);
      expect(finished.status).toBe('COMPLETED');
      expect(finished.attempt).toBe(2);
      const results = await second.platform.context.db.query<{ count: number }>(
        'SELECT count(*) AS count FROM question_run_results WHERE run_id = $1',
        [started.body.id],
      );
      expect(results[0]?.count).toBe(1);
    } finally {
      await second.close();
    }
  });
});
