import { ConfigError, loadConfig, type Config } from '../../config/config.ts';
import { isAppError } from '../../domain/errors/app-error.ts';

/** Loads the configuration, or stops the process naming each bad variable and value. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** Prints an error for a person and sets a failing exit code; stack traces only for unexpected errors. */
export function reportFailure(error: unknown): void {
  if (isAppError(error)) process.stderr.write(`Error: ${error.code}: ${error.message}\n`);
  else if (error instanceof CliError) process.stderr.write(`Error: ${error.message}\n`);
  else
    process.stderr.write(
      `Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  process.exitCode = 1;
}

/**
 * Ends the process quietly when stdout is closed by its reader (`| head`):
 * the output is no longer wanted, so EPIPE is not an error to report.
 */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

/** A failure the CLI explains in one line, such as an API error response. */
export class CliError extends Error {
  override name = 'CliError';
}
