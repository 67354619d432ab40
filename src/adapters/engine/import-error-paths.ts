import path from 'node:path';
import { isAppError } from '../../domain/errors/app-error.ts';
import type { ImportOptions } from './engine.ts';

type ImportPaths = Pick<ImportOptions, 'sourcePath' | 'targetPath'>;

/** Text that replaces a file path in an error message. */
const PATH_PLACEHOLDER = '<file>';

/**
 * Absolute paths that DuckDB and Node.js print in their messages: POSIX
 * paths of two segments or more, and Windows drive paths. A path with a
 * space is cut at the space, which is why the import's own paths are
 * replaced first, whole.
 */
const ABSOLUTE_PATH = /(?<![\w.~-])(?:\/[^\s'"/]+){2,}\/?|\b[A-Za-z]:\\[^\s'"]+/g;

/**
 * Replaces the file paths in `text` with a placeholder: the upload, the
 * dataset file and anything under their directories, which may be
 * relative, then any other absolute path.
 */
export function redactPaths(text: string, options: ImportPaths): string {
  const files = [options.sourcePath, options.targetPath];
  const directories = files.map((file) => path.dirname(file)).filter((dir) => dir !== '.');
  const patterns = [
    ...directories.map((dir) => `${escapeRegExp(dir.replace(/\/+$/, ''))}/[^\\s'"]*`),
    ...files.map(escapeRegExp),
  ];

  let redacted = text;
  for (const pattern of patterns) {
    redacted = redacted.replace(new RegExp(pattern, 'g'), PATH_PLACEHOLDER);
  }
  return redacted.replace(ABSOLUTE_PATH, PATH_PLACEHOLDER);
}

/**
 * Returns an error whose message carries no server path, for errors that
 * are not the import's own AppErrors: DuckDB and file system errors name the
 * files they failed on, and the engine turns their message into an
 * ENGINE_FAILED message. The original stays the `cause`, for the server log.
 */
export function withoutPaths(error: unknown, options: ImportPaths): unknown {
  if (isAppError(error) || !(error instanceof Error) || error.name === 'AbortError') return error;
  const message = redactPaths(error.message, options);
  return message === error.message ? error : new Error(message, { cause: error });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
