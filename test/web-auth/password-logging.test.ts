import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { postLogin, signInAs, withSession } from './session-client.ts';

describe('passwords in logs', () => {
  const lines: string[] = [];
  let test: TestPlatform;

  beforeAll(async () => {
    // The platform's logger options (redaction included) as createLogger sets them, at the most verbose level.
    const log = pino(
      {
        level: 'trace',
        redact: {
          paths: ['req.headers.authorization', 'req.headers.cookie', '*.apiKey', '*.password'],
          censor: '[redacted]',
        },
      },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    test = await startTestPlatform({ backend: 'pglite', startWorker: false, log });
  });
  afterAll(async () => {
    await test.close();
  });

  it('never appear, whatever the outcome', async () => {
    const wrong = 'Wrong-Password-Marker-7731';
    const session = await signInAs(test.app, test.emails.advertiser, test.passwords.advertiser);
    await postLogin(test.app, test.emails.advertiser, wrong);
    await postLogin(test.app, 'unknown@example.com', wrong);
    await test.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: test.emails.advertiser, password: wrong, extra: wrong }),
    });
    await withSession(test.app, session, 'POST', '/api/v1/auth/logout');
    const output = lines.join('');

    expect(output).toContain('signed in');
    expect(output).toContain('sign-in failed');
    expect(output).not.toContain(test.passwords.advertiser);
    expect(output).not.toContain(wrong);
    expect(output).not.toContain(session.cookie.split('=')[1]);
  });
});
