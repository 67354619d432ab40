import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { TEST_DATABASE_URL } from '../support/postgres.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { postLogin, signInAs, withSession } from './session-client.ts';

const cli = path.resolve('bin/cleanroom.js');
const ORGANIZATION = 'Cli Test Organization';

describe('user, vapid-keys and seed-bulk-clean-rooms commands', () => {
  let first: TestPlatform;
  let env: Record<string, string>;

  function runCli(args: string[], input = '') {
    const result = spawnSync(process.execPath, [cli, ...args], {
      env: { ...process.env, ...env },
      input,
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  beforeAll(async () => {
    first = await startTestPlatform({ backend: 'postgres', seed: 'none', startWorker: false });
    await first.platform.context.db.query(
      "INSERT INTO organizations (id, name, kind) VALUES ($1, $2, 'AGENCY')",
      [randomUUID(), ORGANIZATION],
    );
    await first.stop();
    env = {
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: first.schema,
      DATA_DIR: first.dataDir,
      LOG_LEVEL: 'silent',
      SEED: 'none',
    };
  });
  afterAll(async () => {
    const cleanup = await startTestPlatform({
      backend: 'postgres',
      seed: 'none',
      startWorker: false,
      reuse: { dataDir: first.dataDir, schema: first.schema },
    });
    await cleanup.close();
  });

  it('creates a user who can sign in', async () => {
    const created = runCli(
      [
        'user',
        'create',
        '--organization',
        ORGANIZATION,
        '--email',
        'ada@cli.example',
        '--role',
        'admin',
      ],
      'first password 123\n',
    );
    const test = await startTestPlatform({
      backend: 'postgres',
      seed: 'none',
      startWorker: false,
      reuse: { dataDir: first.dataDir, schema: first.schema },
    });
    try {
      const session = await signInAs(test.app, 'ada@cli.example', 'first password 123');

      expect(created.status).toBe(0);
      expect(created.stdout).toContain('Created user ada@cli.example');
      expect(created.stdout).not.toContain('first password 123');
      expect(session.body.user.role).toBe('ADMIN');
      expect(session.body.organization.name).toBe(ORGANIZATION);
    } finally {
      await test.stop();
    }
  });

  it('sets a password from stdin and ends old sessions', async () => {
    let test = await startTestPlatform({
      backend: 'postgres',
      seed: 'none',
      startWorker: false,
      reuse: { dataDir: first.dataDir, schema: first.schema },
    });
    const oldSession = await signInAs(test.app, 'ada@cli.example', 'first password 123');
    await test.stop();

    const changed = runCli(
      ['user', 'set-password', '--email', 'ada@cli.example'],
      'second password 456\n',
    );
    test = await startTestPlatform({
      backend: 'postgres',
      seed: 'none',
      startWorker: false,
      reuse: { dataDir: first.dataDir, schema: first.schema },
    });
    try {
      const oldPassword = await postLogin(test.app, 'ada@cli.example', 'first password 123');
      const newPassword = await postLogin(test.app, 'ada@cli.example', 'second password 456');
      const oldSessionNow = await withSession(test.app, oldSession, 'GET', '/api/v1/auth/session');

      expect(changed.status).toBe(0);
      expect(changed.stdout).toMatch(/; [1-9]\d* web session\(s\) ended/);
      expect(oldPassword.statusCode).toBe(401);
      expect(newPassword.statusCode).toBe(200);
      expect(oldSessionNow.statusCode).toBe(401);
    } finally {
      await test.stop();
    }
  });

  it('rejects a short password', () => {
    const result = runCli(['user', 'set-password', '--email', 'ada@cli.example'], 'short\n');

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('The password has 5 characters');
  });

  it('rejects an unknown email', () => {
    const result = runCli(
      ['user', 'set-password', '--email', 'nobody@cli.example'],
      'third password 789\n',
    );

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('No user has the email nobody@cli.example');
  });

  it('prints VAPID keys the configuration accepts', () => {
    const result = runCli(['vapid-keys']);
    const variables = Object.fromEntries(
      result.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    const config = loadConfig(variables);

    expect(result.status).toBe(0);
    expect(config.VAPID_PUBLIC_KEY).toHaveLength(87);
    expect(config.VAPID_PRIVATE_KEY).toHaveLength(43);
  });

  it('seeds bulk clean rooms', async () => {
    const result = runCli([
      'seed-bulk-clean-rooms',
      '--count',
      '1000',
      '--organization',
      ORGANIZATION,
    ]);
    const test = await startTestPlatform({
      backend: 'postgres',
      seed: 'none',
      startWorker: false,
      reuse: { dataDir: first.dataDir, schema: first.schema },
    });
    try {
      const rows = await test.platform.context.db.query<{ count: number }>(
        'SELECT count(*) AS count FROM clean_rooms',
      );

      expect(result.status).toBe(0);
      expect(result.stdout).toContain('Inserted 1000 clean rooms');
      expect(rows[0]?.count).toBe(1000);
    } finally {
      await test.stop();
    }
  });
});
