import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the process logger. `destination` 2 keeps stdout free for the MCP stdio transport. */
export function createLogger(level: string, destination: 1 | 2 = 1): Logger {
  return pino(
    {
      level,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.apiKey', '*.password'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: destination, sync: false }),
  );
}
