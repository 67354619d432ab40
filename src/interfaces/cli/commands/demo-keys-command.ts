import type { Command } from 'commander';
import { readDemoCredentials } from '../../../services/seed/demo-credentials.ts';
import { CliError, loadConfigOrExit } from '../boot.ts';
import { formatTable } from '../print-table.ts';

export function registerDemoKeysCommand(program: Command): void {
  program
    .command('demo-keys')
    .description(
      'Print the demo organizations, their users, API keys and web app passwords created by the seed',
    )
    .action(async () => {
      const config = loadConfigOrExit();
      const credentials = await readDemoCredentials(config.dataDir);
      if (credentials.length === 0) {
        throw new CliError(
          `No demo workspace was seeded in ${config.dataDir}; run \`cleanroom start\` or \`cleanroom seed\` first.`,
        );
      }
      const rows = credentials.map((credential) => [
        credential.organization,
        credential.email,
        credential.apiKey,
        credential.password ?? '',
      ]);
      process.stdout.write(
        `${formatTable(['Organization', 'User', 'API key', 'Password'], rows)}\n`,
      );
    });
}
