import type { DuckDBConnection } from '@duckdb/node-api';
import { AppError } from '../../domain/errors/app-error.ts';
import { findQuestionDefinition } from '../../domain/questions/catalog.ts';
import { checkDatasetFitsMacro } from '../../domain/questions/check-dataset-fits-macro.ts';
import type { QuestionDefinition } from '../../domain/questions/question-definition.ts';
import { validateParameters } from '../../domain/questions/validate-parameters.ts';
import type { Logger } from '../logging/logger.ts';
import { throwIfAborted } from './abort.ts';
import type { BoundDataset, PrivacySettings, QuestionResult, RunQuestionInput } from './engine.ts';
import { checkGroupingColumns } from './grouping-guard.ts';
import { ResultGuard } from './result-guard.ts';
import { toResultValue } from './result-values.ts';
import { questionTemplates } from './templates/index.ts';
import type { QuestionTemplate, TemplateQuery } from './templates/question-template.ts';

/**
 * Runs an approved question on the bound Parquet datasets. The checks here
 * do not trust the caller: datasets must fit their macros, grouping by an
 * identifier or PII column is rejected, parameters are validated again, and
 * every result row passes the privacy guard. Progress is reported at 10
 * (checked), 50 (query executed), 90 (rows guarded) and 100 percent.
 */
export async function runQuestion(
  connection: DuckDBConnection,
  input: RunQuestionInput,
  log: Logger,
): Promise<QuestionResult> {
  const startedAt = performance.now();
  const { definition, template } = findQuestion(input.template);
  checkPrivacySettings(input.privacy);
  const datasets = bindDatasets(definition, input.datasets);
  checkGroupingColumns(template.groupingColumns(input.parameters), datasets);

  const columnsByMacro = new Map([...datasets].map(([macro, dataset]) => [macro, dataset.columns]));
  const parameters = validateParameters(definition, input.parameters, columnsByMacro);
  await reportProgress(input, 10, log);
  throwIfAborted(input.signal);

  const guard = new ResultGuard(definition, template, input.privacy, input.maxRows);
  await streamRows(connection, template.buildQuery({ datasets, parameters }), guard, input, log);
  const result = guard.finish();
  await reportProgress(input, 90, log);

  log.info(
    {
      template: input.template,
      rows: result.rows.length,
      suppressedRowCount: result.suppressedRowCount,
      durationMs: Math.round(performance.now() - startedAt),
    },
    'question run finished',
  );
  await reportProgress(input, 100, log);
  return result;
}

/** Returns a question's catalog definition and DuckDB template; ENGINE_FAILED for an unknown key. */
export function findQuestion(templateKey: string): {
  definition: QuestionDefinition;
  template: QuestionTemplate;
} {
  const definition = findQuestionDefinition(templateKey);
  const template = questionTemplates.get(templateKey);
  if (definition && template) return { definition, template };

  throw new AppError(
    'ENGINE_FAILED',
    `The engine has no question template "${templateKey}"; it knows ${[...questionTemplates.keys()].join(', ')}.`,
    {
      details: { template: templateKey },
    },
  );
}

/**
 * Rejects privacy settings that would weaken the guards. They come from the
 * clean room, so they are reported for fixing rather than corrected here.
 */
export function checkPrivacySettings(privacy: PrivacySettings): void {
  if (!Number.isInteger(privacy.crowdSize) || privacy.crowdSize < 1) {
    throw new AppError(
      'PRIVACY_VIOLATION',
      `The crowd size must be a whole number of at least 1; received ${privacy.crowdSize}. Fix the clean room's crowd size.`,
    );
  }
  const { enabled, scale } = privacy.noise;
  if (enabled && !(Number.isFinite(scale) && scale > 0)) {
    throw new AppError(
      'PRIVACY_VIOLATION',
      `The noise scale must be a positive number when noise is enabled; received ${scale}. Fix the clean room's noise setting.`,
    );
  }
}

/** Maps each macro to its dataset, checking that every macro has exactly one and that its columns fit. */
export function bindDatasets(
  definition: QuestionDefinition,
  bound: BoundDataset[],
): Map<string, BoundDataset> {
  const known = new Set(definition.datasetMacros.map((macro) => macro.macro));
  const unknown = bound.find((dataset) => !known.has(dataset.macro));
  if (unknown) {
    throw new AppError(
      'DATASET_UNSUITABLE',
      `Question ${definition.template} has no macro ${unknown.macro}; it takes ${[...known].join(', ')}.`,
    );
  }

  const datasets = new Map<string, BoundDataset>();
  for (const macro of definition.datasetMacros) {
    const matching = bound.filter((dataset) => dataset.macro === macro.macro);
    if (matching.length !== 1 || !matching[0]) {
      throw new AppError(
        'DATASET_UNSUITABLE',
        `Question ${definition.template} needs exactly one dataset for ${macro.macro}; received ${matching.length}.`,
      );
    }
    checkDatasetFitsMacro(macro, { name: matching[0].datasetId, columns: matching[0].columns });
    datasets.set(macro.macro, matching[0]);
  }
  return datasets;
}

/** Executes the prepared query and feeds each row, with true counts, to the guard one chunk at a time. */
async function streamRows(
  connection: DuckDBConnection,
  query: TemplateQuery,
  guard: ResultGuard,
  input: RunQuestionInput,
  log: Logger,
): Promise<void> {
  const statement = await connection.prepare(query.sql);
  try {
    statement.bind(query.values, query.types);
    const result = await statement.stream();
    throwIfAborted(input.signal);
    await reportProgress(input, 50, log);

    const names = result.columnNames();
    guard.checkColumns(names);
    for (
      let chunk = await result.fetchChunk();
      chunk && chunk.rowCount > 0;
      chunk = await result.fetchChunk()
    ) {
      throwIfAborted(input.signal);
      for (const values of chunk.getRows()) {
        guard.admit(
          Object.fromEntries(
            names.map((name, index) => [name, toResultValue(values[index] ?? null)]),
          ),
        );
      }
    }
  } finally {
    statement.destroySync();
  }
}

/** A failing progress callback must not fail the run, so its error is logged and dropped. */
async function reportProgress(
  input: RunQuestionInput,
  percent: number,
  log: Logger,
): Promise<void> {
  try {
    await input.onProgress?.(percent);
  } catch (error) {
    log.warn({ err: error, template: input.template, percent }, 'progress callback failed');
  }
}
