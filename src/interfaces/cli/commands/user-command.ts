import type { Command } from 'commander';
import { createPlatform, type Platform } from '../../../app/create-platform.ts';
import { createLogger } from '../../../adapters/logging/logger.ts';
import { createUser } from '../../../services/auth/create-user.ts';
import { setUserPassword } from '../../../services/auth/set-user-password.ts';
import { CliError, loadConfigOrExit } from '../boot.ts';

interface CreateOptions {
  organization: string;
  email: string;
  name: string;
  role: string;
}

export function registerUserCommand(program: Command): void {
  const user = program
    .command('user')
    .description(
      'Create web app users and set their passwords, directly in the database (server stopped when embedded)',
    );

  user
    .command('create')
    .description(
      'Create a user of an organization; the password is read from stdin, never from arguments',
    )
    .requiredOption('--organization <name>', 'name of the existing organization (required)')
    .requiredOption('--email <email>', 'email the user signs in with (required)')
    .option('--name <name>', 'display name (default: the email)')
    .option('--role <role>', 'ADMIN or MEMBER', 'MEMBER')
    .action(async (options: CreateOptions & { name?: string }) => {
      const role = options.role.toUpperCase();
      if (role !== 'ADMIN' && role !== 'MEMBER') {
        throw new CliError(`--role "${options.role}" is invalid; use ADMIN or MEMBER.`);
      }
      const password = await readPassword();
      const created = await withPlatform('cleanroom user create', (platform) =>
        createUser(platform.context.db, {
          organizationName: options.organization,
          email: options.email,
          name: options.name ?? options.email,
          role,
          password,
        }),
      );
      process.stdout.write(
        `Created user ${options.email} (${created.userId}) in ${options.organization}.\n`,
      );
    });

  user
    .command('set-password')
    .description("Set a user's password from stdin and end the user's web sessions")
    .requiredOption('--email <email>', 'email of the user (required)')
    .action(async (options: { email: string }) => {
      const password = await readPassword();
      const outcome = await withPlatform('cleanroom user set-password', (platform) =>
        setUserPassword(platform.context.db, options.email, password),
      );
      process.stdout.write(
        `Password of ${options.email} set; ${outcome.sessionsEnded} web session(s) ended.\n`,
      );
    });
}

async function withPlatform<T>(
  purpose: string,
  work: (platform: Platform) => Promise<T>,
): Promise<T> {
  const config = loadConfigOrExit();
  const platform = await createPlatform(config, createLogger(config.LOG_LEVEL, 2), { purpose });
  try {
    return await work(platform);
  } finally {
    await platform.close();
  }
}

/**
 * Reads the password from stdin: the first line of piped input, or typed at
 * a terminal without echo. Never from arguments, which other local users can
 * read in the process list and which shells keep in their history.
 */
async function readPassword(): Promise<string> {
  const password = process.stdin.isTTY ? await readHiddenLine('Password: ') : await readFirstLine();
  if (!password) throw new CliError('No password on stdin; pipe it in or type it at the prompt.');
  return password;
}

async function readFirstLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

async function readHiddenLine(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  process.stdin.setRawMode(true);
  process.stdin.resume();
  let line = '';
  try {
    for await (const chunk of process.stdin) {
      for (const character of (chunk as Buffer).toString('utf8')) {
        if (character === '\u0003') throw new CliError('Cancelled.');
        if (character === '\r' || character === '\n') return line;
        line = character === '\u007f' ? line.slice(0, -1) : line + character;
      }
    }
    return line;
  } finally {
    process.stdin.setRawMode(false);
    process.stdin.pause();
    process.stderr.write('\n');
  }
}
