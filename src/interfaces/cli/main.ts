import { Command } from 'commander';
import { exitQuietlyOnClosedStdout, reportFailure } from './boot.ts';
import { registerApiKeyCommand } from './commands/api-key-command.ts';
import { registerDemoKeysCommand } from './commands/demo-keys-command.ts';
import { registerImportCsvCommand } from './commands/import-csv-command.ts';
import { registerMcpCommand } from './commands/mcp-command.ts';
import { registerRunQuestionCommand } from './commands/run-question-command.ts';
import { registerSeedBulkCommand } from './commands/seed-bulk-command.ts';
import { registerSeedCommand } from './commands/seed-command.ts';
import { registerStartCommand } from './commands/start-command.ts';
import { registerUserCommand } from './commands/user-command.ts';
import { registerVapidKeysCommand } from './commands/vapid-keys-command.ts';
import { registerWorkerCommand } from './commands/worker-command.ts';

const program = new Command()
  .name('cleanroom')
  .description(
    'Cleanroom Copilot: privacy-safe clean room collaboration. Configuration comes from environment variables (see README).',
  )
  .showHelpAfterError();

registerStartCommand(program);
registerWorkerCommand(program);
registerSeedCommand(program);
registerImportCsvCommand(program);
registerRunQuestionCommand(program);
registerApiKeyCommand(program);
registerDemoKeysCommand(program);
registerMcpCommand(program);
registerUserCommand(program);
registerVapidKeysCommand(program);
registerSeedBulkCommand(program);

exitQuietlyOnClosedStdout();
program.parseAsync(process.argv).catch(reportFailure);
