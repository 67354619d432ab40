import type { Command } from 'commander';
import { createPlatform } from '../../../app/create-platform.ts';
import { createLogger } from '../../../adapters/logging/logger.ts';
import { CliError, loadConfigOrExit } from '../boot.ts';
import { seedIfEmpty } from './start-command.ts';

export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description('Seed the demo workspace into an empty database and exit')
    .option(
      '--size <size>',
      'full (1M customers, 2M subscribers, 10M exposures) or small (1% of that)',
      'full',
    )
    .action(async (options: { size: string }) => {
      if (options.size !== 'full' && options.size !== 'small') {
        throw new CliError(`--size "${options.size}" is invalid; use full or small.`);
      }
      process.env.SEED = options.size;
      const config = loadConfigOrExit();
      const platform = await createPlatform(config, createLogger(config.LOG_LEVEL, 2), {
        purpose: 'cleanroom seed',
      });
      try {
        await seedIfEmpty(platform, config);
      } finally {
        await platform.close();
      }
    });
}
