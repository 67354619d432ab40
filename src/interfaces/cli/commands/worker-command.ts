import type { Command } from 'commander';
import { createPlatform } from '../../../app/create-platform.ts';
import { createLogger } from '../../../adapters/logging/logger.ts';
import { loadConfigOrExit } from '../boot.ts';
import { stopOnSignals } from './start-command.ts';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'Run question runs from the queue without serving HTTP (needs DATABASE_URL to share work with other processes)',
    )
    .action(async () => {
      const config = loadConfigOrExit();
      const log = createLogger(config.LOG_LEVEL);
      const platform = await createPlatform(config, log, { purpose: 'cleanroom worker' });
      await platform.startWorker();
      log.info(
        { concurrency: config.WORKER_CONCURRENCY, database: platform.backends.database },
        'worker started',
      );
      stopOnSignals(log, () => platform.close());
    });
}
