import type { Command } from 'commander';
import { createPlatform } from '../../../app/create-platform.ts';
import { createLogger } from '../../../adapters/logging/logger.ts';
import { createApiKey } from '../../../services/api-keys/create-api-key.ts';
import { repositories } from '../../../services/service-context.ts';
import { ApiClient, apiOptionsFrom } from '../api-client.ts';
import { CliError, loadConfigOrExit } from '../boot.ts';
import { formatTable } from '../print-table.ts';

interface KeyOptions {
  url?: string;
  apiKey?: string;
}

interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  key?: string;
}

export function registerApiKeyCommand(program: Command): void {
  const apiKey = program.command('api-key').description('Create, list and revoke API keys');
  const withApiOptions = (command: Command) =>
    command
      .option('--url <url>', 'server URL (default: CLEANROOM_URL or http://127.0.0.1:PORT)')
      .option(
        '--api-key <key>',
        'an existing API key of the organization (default: CLEANROOM_API_KEY)',
      );

  withApiOptions(apiKey.command('create'))
    .description(
      'Create a key; with --organization, directly in the database for a first key (server stopped when embedded)',
    )
    .requiredOption('--name <name>', 'label that tells the key apart (required)')
    .option('--organization <name>', 'organization name, for the first key of an organization')
    .action((options: KeyOptions & { name: string; organization?: string }) =>
      options.organization
        ? createKeyDirectly(options.organization, options.name)
        : createKeyThroughApi(options),
    );

  withApiOptions(apiKey.command('list'))
    .description("List your organization's keys (never the secrets)")
    .action(async (options: KeyOptions) => {
      const client = new ApiClient(apiOptionsFrom(options, loadConfigOrExit().PORT));
      const { items } = await client.get<{ items: ApiKeyView[] }>('/api-keys');
      const rows = items.map((key) => [
        key.id,
        key.name,
        `${key.prefix}…`,
        key.createdAt,
        key.lastUsedAt,
        key.revokedAt ?? 'active',
      ]);
      process.stdout.write(
        `${formatTable(['Id', 'Name', 'Prefix', 'Created', 'Last used', 'Revoked'], rows)}\n`,
      );
    });

  withApiOptions(apiKey.command('revoke'))
    .description('Revoke a key by id; requests with it are rejected from then on')
    .argument('<id>', 'key id, as `api-key list` shows')
    .action(async (id: string, options: KeyOptions) => {
      const client = new ApiClient(apiOptionsFrom(options, loadConfigOrExit().PORT));
      const key = await client.delete<ApiKeyView>(`/api-keys/${encodeURIComponent(id)}`);
      process.stdout.write(`Revoked key ${key.name} (${key.prefix}…) at ${key.revokedAt}.\n`);
    });
}

async function createKeyThroughApi(options: KeyOptions & { name: string }): Promise<void> {
  const client = new ApiClient(apiOptionsFrom(options, loadConfigOrExit().PORT));
  printKey(await client.post<ApiKeyView>('/api-keys', { name: options.name }));
}

async function createKeyDirectly(organizationName: string, name: string): Promise<void> {
  const config = loadConfigOrExit();
  const platform = await createPlatform(config, createLogger(config.LOG_LEVEL, 2), {
    purpose: 'cleanroom api-key create',
  });
  try {
    const repos = repositories(platform.context.db);
    const organization = await repos.organizations.findOrganizationByName(organizationName);
    const user = organization
      ? await repos.organizations.findFirstAdmin(organization.id)
      : undefined;
    if (!organization || !user)
      throw new CliError(`Organization "${organizationName}" was not found or has no users.`);

    const caller = {
      organizationId: organization.id,
      userId: user.id,
      apiKeyId: null,
      role: user.role,
    };
    printKey(await createApiKey(platform.context.db, caller, name));
  } finally {
    await platform.close();
  }
}

function printKey(key: ApiKeyView): void {
  process.stdout.write(
    `Created API key "${key.name}" (${key.id}). Store it now; it is not shown again:\n${key.key}\n`,
  );
}
