import { z } from 'zod';
import { encodeCursor, ROW_OFFSET_MAX } from '../../domain/pagination/page.ts';
import { QuestionRunResultSchema, type QuestionRunResult } from '../../domain/runs/question-run.ts';
import { getRunResults } from '../../services/runs/get-run-results.ts';
import { lenientInput } from './lenient-input.ts';
import { defineTool } from './tool-definition.ts';
import { READ_ONLY_ANNOTATIONS, toolFields } from './tool-fields.ts';
import { formatTable, joinBlocks } from './tool-text.ts';
import { countText } from '../../domain/text/count-text.ts';
import { AppError, isAppError } from '../../domain/errors/app-error.ts';

/** Rows per call when the call sets no limit, so that one result does not flood a model's context. */
const ROWS_DEFAULT = 50;
const ROWS_MAX = 200;

export const getResultsTool = defineTool({
  name: 'get_results',
  title: 'Get run results',
  description: `Reads the result of a COMPLETED run, one page at a time: ${ROWS_DEFAULT} rows by default, at most ${ROWS_MAX}. Returns the column names and types, the rows as arrays in column order, rowCount for the whole result, truncated (true when more rows follow this page) and nextCursor to read them. suppressedRowCount tells how many rows were withheld because they counted fewer people than the crowd size; noiseApplied tells whether counts carry Laplace noise. Mention both when you report numbers. A run that is not COMPLETED yet is rejected with its status: call get_run first.`,
  inputSchema: lenientInput({
    runId: toolFields.runId,
    limit: z
      .number()
      .int()
      .min(1)
      .max(ROWS_MAX)
      .optional()
      .describe(`Rows to return, 1 to ${ROWS_MAX}; ${ROWS_DEFAULT} when omitted.`),
    offset: z
      .number()
      .int()
      .min(0)
      .max(ROW_OFFSET_MAX)
      .optional()
      .describe(
        'Rows to skip from the start of the result, at most rowCount; ignored when cursor is given.',
      ),
    cursor: toolFields.cursor,
  }),
  outputSchema: QuestionRunResultSchema.extend({
    /** Rows in this page. */
    returnedRowCount: z.number().int(),
    /** True when rows follow this page: read them with nextCursor. */
    truncated: z.boolean(),
  }),
  annotations: READ_ONLY_ANNOTATIONS,

  async handler(input, { services, caller }) {
    const offset = input.cursor === undefined ? input.offset : undefined;
    const cursor = input.cursor ?? (offset ? encodeCursor([offset]) : undefined);
    const result = await getRunResults(services, caller, input.runId, {
      cursor,
      limit: input.limit ?? ROWS_DEFAULT,
    }).catch((error: unknown) => {
      throw offset === undefined ? error : inTermsOfOffset(error, input.runId, offset);
    });
    const truncated = result.offset + result.rows.length < result.rowCount;
    return {
      structuredContent: { ...result, returnedRowCount: result.rows.length, truncated },
      text: describeResult(result, truncated),
    };
  },
});

/**
 * Rewords the service's rejection of the cursor this tool built from
 * `offset`, which would name a cursor the caller never sent, in terms of
 * the offset, the row count and the valid offsets.
 */
function inTermsOfOffset(error: unknown, runId: string, offset: number): unknown {
  const rowCount = isAppError(error) ? error.details?.rowCount : undefined;
  if (!isAppError(error) || error.code !== 'CURSOR_INVALID' || typeof rowCount !== 'number')
    return error;

  return new AppError(
    'VALIDATION_FAILED',
    `offset ${offset} is past the end of the result of run ${runId}: it has ${countText(rowCount, 'row')}, so offset must be from 0 to ${rowCount}. Pass a smaller offset, or omit it to start at the first row.`,
    { details: { field: 'offset', offset, rowCount } },
  );
}

function describeResult(result: QuestionRunResult, truncated: boolean): string {
  if (result.rows.length === 0) return describeEmptyPage(result);

  const first = result.offset + 1;
  const last = result.offset + result.rows.length;
  const rows = first === last ? `Row ${first}` : `Rows ${first} to ${last}`;
  const more = truncated
    ? `More rows follow: call get_results with cursor "${result.nextCursor}".`
    : '';
  return joinBlocks([
    `${rows} of ${result.rowCount} (run ${result.runId}); ${describePrivacy(result)}.`,
    formatTable(
      result.columns.map((column) => column.name),
      result.rows,
    ),
    more,
    result.unmatchedValues?.message ?? '',
  ]);
}

function describeEmptyPage(result: QuestionRunResult): string {
  const position =
    result.rowCount === 0
      ? 'The result has no rows'
      : `No rows: offset ${result.offset} is past the end of the result (${countText(result.rowCount, 'row')}); call get_results without offset or cursor to start at the first row`;
  return joinBlocks([
    `${position} (run ${result.runId}); ${describePrivacy(result)}.`,
    result.unmatchedValues?.message ?? '',
  ]);
}

function describePrivacy(result: QuestionRunResult): string {
  return [
    `${countText(result.suppressedRowCount, 'row')} suppressed for counting fewer than ${countText(result.privacy.crowdSize, 'person', 'people')}`,
    result.noiseApplied
      ? `counts carry Laplace noise of scale ${result.privacy.noise.scale}`
      : 'no noise added',
  ].join('; ');
}
