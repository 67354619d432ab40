import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { sessionCookieSecure } from '../../src/services/auth/session-cookie.ts';

const PUBLIC_KEY = `B${'A'.repeat(86)}`;
const PRIVATE_KEY = 'A'.repeat(43);

describe('web sign-in configuration', () => {
  it('rejects some VAPID variables without the others', () => {
    const load = () => loadConfig({ VAPID_PUBLIC_KEY: PUBLIC_KEY });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/VAPID_PRIVATE_KEY is missing/);
    expect(load).toThrow(/VAPID_SUBJECT is missing/);
  });

  it('accepts all three VAPID variables', () => {
    const config = loadConfig({
      VAPID_PUBLIC_KEY: PUBLIC_KEY,
      VAPID_PRIVATE_KEY: PRIVATE_KEY,
      VAPID_SUBJECT: 'mailto:ops@example.com',
    });

    expect(config.VAPID_SUBJECT).toBe('mailto:ops@example.com');
  });

  it('rejects a VAPID subject that is not mailto or https', () => {
    const load = () =>
      loadConfig({
        VAPID_PUBLIC_KEY: PUBLIC_KEY,
        VAPID_PRIVATE_KEY: PRIVATE_KEY,
        VAPID_SUBJECT: 'http://example.com',
      });

    expect(load).toThrow(/VAPID_SUBJECT="http:\/\/example.com" is invalid/);
  });

  it('defaults the session and throttle settings', () => {
    const config = loadConfig({});

    expect(config.SESSION_TTL_HOURS).toBe(12);
    expect(config.SESSION_MAX_AGE_DAYS).toBe(30);
    expect(config.LOGIN_MAX_FAILURES_PER_EMAIL).toBe(5);
    expect(config.LOGIN_THROTTLE_WINDOW_SECONDS).toBe(900);
    expect(config.PUSH_ALLOW_INSECURE_ENDPOINTS).toBe(false);
  });
});

describe('session cookie Secure attribute', () => {
  const cases = [
    { host: '127.0.0.1', publicUrl: undefined, secure: true },
    { host: 'localhost', publicUrl: undefined, secure: true },
    { host: '0.0.0.0', publicUrl: undefined, secure: false },
    { host: '0.0.0.0', publicUrl: 'https://cleanroom.example.com', secure: true },
    { host: '0.0.0.0', publicUrl: 'http://cleanroom.internal:3000', secure: false },
    { host: '0.0.0.0', publicUrl: 'http://localhost:3000', secure: true },
  ];

  it.each(cases)('is $secure for HOST $host and PUBLIC_URL $publicUrl', (entry) => {
    expect(sessionCookieSecure({ HOST: entry.host, PUBLIC_URL: entry.publicUrl })).toBe(
      entry.secure,
    );
  });
});
