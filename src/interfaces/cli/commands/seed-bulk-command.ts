import type { Command } from 'commander';
import { createPlatform } from '../../../app/create-platform.ts';
import { createLogger } from '../../../adapters/logging/logger.ts';
import {
  BULK_CLEAN_ROOMS_MAX,
  seedBulkCleanRooms,
} from '../../../services/clean-rooms/seed-bulk-clean-rooms.ts';
import { CliError, loadConfigOrExit } from '../boot.ts';

export function registerSeedBulkCommand(program: Command): void {
  program
    .command('seed-bulk-clean-rooms')
    .description(
      'Insert many clean rooms owned by one organization, for load tests of the clean room list (server stopped when embedded)',
    )
    .requiredOption('--count <n>', `number of clean rooms to insert, 1 to ${BULK_CLEAN_ROOMS_MAX}`)
    .requiredOption(
      '--organization <name>',
      'name of the owning organization, such as "Northwind Outfitters"',
    )
    .option(
      '--with-questions',
      'also add the approved questions to every room (about 3 times slower)',
    )
    .action(async (options: { count: string; organization: string; withQuestions?: boolean }) => {
      const count = Number(options.count);
      if (!Number.isInteger(count))
        throw new CliError(`--count "${options.count}" is not a whole number.`);

      const config = loadConfigOrExit();
      const platform = await createPlatform(config, createLogger(config.LOG_LEVEL, 2), {
        purpose: 'cleanroom seed-bulk-clean-rooms',
      });
      try {
        const started = performance.now();
        const outcome = await seedBulkCleanRooms(platform.context.db, {
          organizationName: options.organization,
          count,
          withQuestions: options.withQuestions === true,
        });
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        process.stdout.write(
          `Inserted ${outcome.inserted} clean rooms owned by ${options.organization} in ${seconds} s.\n`,
        );
      } finally {
        await platform.close();
      }
    });
}
