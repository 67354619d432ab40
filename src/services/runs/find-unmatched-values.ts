import type { BoundDataset, QuestionResult } from '../../adapters/engine/engine.ts';
import type { RunRow } from '../../adapters/storage/repositories/runs-repository.ts';
import { findQuestionDefinition } from '../../domain/questions/catalog.ts';
import { unmatchedValues, type UnmatchedValues } from '../../domain/runs/unmatched-values.ts';
import type { ServiceContext } from '../service-context.ts';

export interface UnmatchedValuesInput {
  run: RunRow;
  datasets: BoundDataset[];
  /** Macros bound to datasets of the organization that submitted the run. */
  ownMacros: string[];
  result: QuestionResult;
  signal?: AbortSignal;
}

/**
 * Finds the requested list values (such as campaign IDs) a completed run
 * shows nothing for. Values of the submitter's own data are named when they
 * match no rows, as the engine's suppression estimate finds them. Values of
 * a partner's data are named when no released row carries them, which the
 * released rows show anyway. Whether such a value matched no rows or was
 * suppressed under the crowd size stays withheld.
 */
export async function findUnmatchedValues(
  context: ServiceContext,
  input: UnmatchedValuesInput,
): Promise<UnmatchedValues | null> {
  const { run, datasets, ownMacros, result, signal } = input;
  if (!requestsListValues(run)) return null;

  const estimate = await context.engine.estimateSuppression({
    template: run.question_template,
    parameters: run.parameters,
    datasets,
    crowdSize: run.privacy.crowdSize,
    ownMacros,
    signal,
  });
  const parameter = estimate.filterParameter;
  const requested = parameter === null ? null : run.parameters[parameter];
  if (parameter === null || !Array.isArray(requested)) return null;
  if (ownMacros.includes(estimate.dimensionMacro)) return estimate.unmatchedValues;

  const released = releasedValues(result, estimate.dimension);
  return unmatchedValues({
    parameter,
    label: labelOf(run.question_template, parameter),
    values: requested.map(String).filter((value) => !released.has(value)),
    reason: 'NONE_RELEASED',
    macro: estimate.dimensionMacro,
    crowdSize: run.privacy.crowdSize,
  });
}

/** Checks whether the run sets a list parameter, the only kind that names values to match. */
function requestsListValues(run: RunRow): boolean {
  const definition = findQuestionDefinition(run.question_template);
  return (definition?.parameters ?? []).some(
    (parameter) =>
      parameter.type === 'STRING_LIST' && Array.isArray(run.parameters[parameter.name]),
  );
}

function releasedValues(result: QuestionResult, dimension: string): Set<string> {
  const index = result.columns.findIndex((column) => column.name === dimension);
  const values = new Set<string>();
  if (index < 0) return values;

  for (const row of result.rows) {
    const value = row[index];
    if (value !== null && value !== undefined) values.add(String(value));
  }
  return values;
}

function labelOf(template: string, parameterName: string): string {
  const parameters = findQuestionDefinition(template)?.parameters ?? [];
  return (
    parameters.find((parameter) => parameter.name === parameterName)?.displayName ?? parameterName
  );
}
