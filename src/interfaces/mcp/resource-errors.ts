import { McpError, ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../adapters/logging/logger.ts';
import { isAppError } from '../../domain/errors/app-error.ts';
import { describeAppError } from '../tools/invoke-tool.ts';

/** JSON-RPC error code the MCP specification assigns to an unknown resource. */
export const RESOURCE_NOT_FOUND = -32002;

/**
 * Runs a resource read and maps its failures to JSON-RPC errors, because a
 * read has no error result of its own. A missing item becomes "resource not
 * found" and another rejected request "invalid params" with the reason. An
 * unexpected failure is logged and reported without internals.
 */
export async function readResourceSafely<T>(
  log: Logger,
  uri: string,
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof McpError) throw error;
    if (isAppError(error) && error.status === 404) {
      throw new McpError(RESOURCE_NOT_FOUND, describeAppError(error), { uri });
    }
    if (isAppError(error) && error.status < 500) {
      throw new McpError(ErrorCode.InvalidParams, describeAppError(error), { uri });
    }

    log.error({ err: error, uri }, 'resource read failed');
    throw new McpError(ErrorCode.InternalError, `Reading ${uri} failed; try again later.`);
  }
}
