import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

describe('loadConfig', () => {
  it('applies defaults when nothing is set', () => {
    const config = loadConfig({});

    expect(config.PORT).toBe(3000);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.SEED).toBe('full');
    expect(config.dataDir).toBe(path.resolve('./data'));
  });

  it('names the variable and the value it rejects', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT="eighty" is invalid/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL="mysql:\/\/x"/);
    expect(() => loadConfig({ SEED: 'huge' })).toThrow(/SEED="huge"/);
  });

  describe('error messages', () => {
    function messageOf(env: NodeJS.ProcessEnv): string {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as ConfigError).message;
      }
      throw new Error('loadConfig accepted the environment');
    }

    it('states the range of a whole number', () => {
      for (const value of ['abc', '-1', '1.5', '0x10', '1e3', '99999999']) {
        expect(messageOf({ CACHE_RESPONSE_MEMO_MB: value })).toContain(
          `CACHE_RESPONSE_MEMO_MB="${value}" is invalid: must be a whole number from 0 to 65536`,
        );
      }
      expect(loadConfig({ CACHE_RESPONSE_MEMO_MB: ' 5 ' }).CACHE_RESPONSE_MEMO_MB).toBe(5);
    });

    it('masks the password of a URL', () => {
      const message = messageOf({ REDIS_URL: 'http://:R3disSecret@127.0.0.1:6391' });

      expect(message).toContain('REDIS_URL="http://:***@127.0.0.1:6391" is invalid');
      expect(message).toContain('must start with redis://');
      expect(message).not.toContain('R3disSecret');
    });

    it('masks the password of a URL with a user', () => {
      const message = messageOf({ DATABASE_URL: 'mysql://admin:Pg5ecret@db.internal/app' });

      expect(message).toContain('DATABASE_URL="mysql://admin:***@db.internal/app"');
      expect(message).not.toContain('Pg5ecret');
    });

    it('hides the whole value of a secret variable', () => {
      const message = messageOf({ METRICS_TOKEN: 'short' });

      expect(message).toContain('METRICS_TOKEN=(secret of 5 characters, not shown) is invalid');
      expect(message).toContain('must be at least 16 characters');
      expect(message).not.toContain('"short"');
    });
  });

  it('lists every bad variable at once', () => {
    try {
      loadConfig({ PORT: '-1', DATABASE_POOL_MAX: '0' });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).issues).toHaveLength(2);
    }
  });

  it('rejects pool minimum above maximum', () => {
    expect(() => loadConfig({ DATABASE_POOL_MIN: '12', DATABASE_POOL_MAX: '10' })).toThrow(
      /DATABASE_POOL_MIN.*must be at most DATABASE_POOL_MAX \(10\)/s,
    );
  });

  it('ignores unrelated variables of the host', () => {
    expect(() => loadConfig({ PATH: '/usr/bin', HOME: '/root' })).not.toThrow();
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });
});
