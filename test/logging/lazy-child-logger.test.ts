import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { pino, type Logger } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { LazyChildLogger } from '../../src/adapters/logging/lazy-child-logger.ts';

/** Creates a pino logger at `level` that parses each line it writes into `lines`. */
function capturingLogger(level: string): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

describe('lazy child logger', () => {
  it('creates no child for disabled levels', () => {
    const { logger, lines } = capturingLogger('warn');
    const child = vi.spyOn(logger, 'child');
    const lazy = new LazyChildLogger(logger, { reqId: 'r-1' }, undefined);

    lazy.info('incoming request');
    lazy.debug({ detail: 1 }, 'details');

    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    expect(lazy.level).toBe('warn');
    expect(lazy.bindings()).toEqual({ reqId: 'r-1' });
  });

  it('logs enabled levels with bindings', () => {
    const { logger, lines } = capturingLogger('info');
    const lazy = new LazyChildLogger(logger, { reqId: 'r-2' }, undefined);

    lazy.warn({ code: 'DATABASE_TIMEOUT' }, 'statement timed out');
    lazy.info('second line');
    lazy.child({ tool: 'list_clean_rooms' }).error('nested');

    expect(lines.map(({ msg, reqId }) => ({ msg, reqId }))).toEqual([
      { msg: 'statement timed out', reqId: 'r-2' },
      { msg: 'second line', reqId: 'r-2' },
      { msg: 'nested', reqId: 'r-2' },
    ]);
    expect(lines[0]?.code).toBe('DATABASE_TIMEOUT');
    expect(lines[2]?.tool).toBe('list_clean_rooms');
  });

  it('logs Fastify requests with their id', async () => {
    const { logger, lines } = capturingLogger('info');
    const app = Fastify({
      loggerInstance: logger,
      genReqId: () => 'request-7',
      childLoggerFactory: (parent, bindings, options) =>
        new LazyChildLogger(parent as Logger, bindings, options) as unknown as typeof parent,
    });
    app.get('/', async (request) => {
      request.log.warn('handler line');
      return { ok: true };
    });

    try {
      const response = await app.inject({ method: 'GET', url: '/' });
      expect(response.statusCode).toBe(200);
    } finally {
      await app.close();
    }

    const messages = lines.filter((line) => line.reqId === 'request-7').map((line) => line.msg);
    expect(messages).toEqual(['incoming request', 'handler line', 'request completed']);
  });
});
