/**
 * A worker process that claims one run and then stops making progress, so a
 * test can kill it with SIGKILL and leave the run as a crashed worker does.
 * Configured by the same environment variables as the platform.
 */
import { loadConfig } from '../../src/config/config.ts';
import { createPlatform } from '../../src/app/create-platform.ts';
import { createLogger } from '../../src/adapters/logging/logger.ts';
import { repositories } from '../../src/services/service-context.ts';

const config = loadConfig();
const platform = await createPlatform(config, createLogger(config.LOG_LEVEL, 2), {
  purpose: 'hanging test worker',
});
await platform.context.queue.workRuns(1, async (job) => {
  const run = await repositories(platform.context.db).runs.claim(job.runId);
  process.stdout.write(`claimed ${run?.id} attempt ${run?.attempt}\n`);
  await new Promise(() => undefined);
});
process.stdout.write('ready\n');
