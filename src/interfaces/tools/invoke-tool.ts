import { isAppError, type AppError } from '../../domain/errors/app-error.ts';
import type { ToolCallContext, ToolDefinition } from './tool-definition.ts';
import { toToolHint } from './tool-hints.ts';

/**
 * A tool call's outcome in the shape MCP and the chat assistant both turn
 * into their own results. An error text is plain text, so a value quoted in
 * it can be copied back as it is. The chat escapes it before rendering it
 * as markdown.
 */
export type ToolOutcome =
  | { isError: false; structuredContent: Record<string, unknown>; text: string }
  | { isError: true; text: string };

const UNEXPECTED_ERROR_TEXT =
  'The tool failed because of an unexpected server error. Try again; if it keeps failing, report it to the platform operator.';

/**
 * Runs a tool's handler on input that already passed its input schema. An
 * AppError becomes an error outcome whose text names what was wrong and the
 * valid values, so a model can correct the call. Any other failure is
 * logged and becomes a generic error outcome that reveals nothing internal.
 */
export async function invokeTool(
  tool: ToolDefinition,
  input: Record<string, unknown>,
  context: ToolCallContext,
): Promise<ToolOutcome> {
  // Created only when a call logs: a child logger on every call cost 8-33 µs under load.
  const log = () =>
    context.services.log.child({ tool: tool.name, organizationId: context.caller.organizationId });
  try {
    const result = await tool.handler(input, context);
    const checked = tool.outputSchema.safeParse(result.structuredContent);
    if (checked.success)
      return { isError: false, structuredContent: checked.data, text: result.text };

    log().error({ issues: checked.error.issues }, 'tool result does not match its output schema');
    return { isError: true, text: UNEXPECTED_ERROR_TEXT };
  } catch (error) {
    return toErrorOutcome(error, log, context.signal);
  }
}

function toErrorOutcome(
  error: unknown,
  childLog: () => ToolCallContext['services']['log'],
  signal: AbortSignal,
): ToolOutcome {
  const log = childLog();
  if (isAppError(error) && error.status < 500) {
    log.info({ code: error.code }, 'tool call rejected');
    return { isError: true, text: describeAppError(error) };
  }
  if (signal.aborted) {
    log.info('tool call cancelled by the client');
    return { isError: true, text: 'The call was cancelled.' };
  }

  log.error({ err: error }, 'tool call failed');
  return {
    isError: true,
    text: isAppError(error)
      ? `${error.userMessage}. ${UNEXPECTED_ERROR_TEXT}`
      : UNEXPECTED_ERROR_TEXT,
  };
}

/**
 * Formats an AppError as plain text for a model: the code, the message with
 * tool names in place of REST endpoints, and the allowed values from its
 * details when the message does not list them already. MCP tool results,
 * resource and prompt errors send it as it is. The values a service message
 * quotes stay unescaped, because the model is expected to pass them back.
 */
export function describeAppError(error: AppError): string {
  const text = `${error.code}: ${toToolHint(error.userMessage)}`;
  const allowed = error.details?.allowedValues;
  if (!Array.isArray(allowed) || allowed.length === 0) return text;

  const values = allowed.map(String);
  const listed = values.every((value) => error.userMessage.includes(value));
  return listed ? text : `${text} Allowed values: ${values.join(', ')}.`;
}
