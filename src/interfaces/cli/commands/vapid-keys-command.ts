import type { Command } from 'commander';
import { generateVapidKeys } from '../../../adapters/push/web-push-sender.ts';

export function registerVapidKeysCommand(program: Command): void {
  program
    .command('vapid-keys')
    .description('Print a new VAPID key pair for Web Push, as environment variables')
    .action(() => {
      const keys = generateVapidKeys();
      process.stdout.write(
        [
          `VAPID_PUBLIC_KEY=${keys.publicKey}`,
          `VAPID_PRIVATE_KEY=${keys.privateKey}`,
          'VAPID_SUBJECT=mailto:admin@example.com',
          '',
        ].join('\n'),
      );
      process.stderr.write(
        'Keep VAPID_PRIVATE_KEY secret. Changing the key pair invalidates every stored push subscription. Set VAPID_SUBJECT to a contact of yours.\n',
      );
    });
}
