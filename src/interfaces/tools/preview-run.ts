import { RunPreviewSchema, type RunPreview } from '../../domain/runs/run-preview.ts';
import { previewRun } from '../../services/runs/preview-run.ts';
import { lenientInput } from './lenient-input.ts';
import { resolveCleanRoomArgument } from './resolve-clean-room-argument.ts';
import { defineTool } from './tool-definition.ts';
import { READ_ONLY_ANNOTATIONS, runRequestFields } from './tool-fields.ts';
import { joinBlocks, listValues } from './tool-text.ts';
import { escapeMarkdown } from '../../domain/text/escape-markdown.ts';
import { countText } from '../../domain/text/count-text.ts';

export const previewRunTool = defineTool({
  name: 'preview_run',
  title: 'Preview a question run',
  description:
    'Checks a run request exactly as start_run would (your role, the room, the question, the dataset binding and every parameter) without running the question or using a run, and estimates which output rows the crowd size would suppress. Segments (attribute values or campaigns) whose upper bound on people is under the crowd size WILL_BE_SUPPRESSED for certain; the others MAY_PASS, because the bounds ignore the match between the parties. No counts are returned. Values of certainly suppressed segments are named only when they come from your own data. Use it before start_run to fix parameters and to pick parameters (a wider date range, another attribute) whose result will not be mostly suppressed. Next: start_run with the same arguments.',
  inputSchema: lenientInput(runRequestFields),
  outputSchema: RunPreviewSchema,
  annotations: READ_ONLY_ANNOTATIONS,

  async handler(input, { services, caller, signal }) {
    const cleanRoomId = await resolveCleanRoomArgument(services, caller, input.cleanRoomId);
    const preview = await previewRun(services, caller, cleanRoomId, input, signal);
    return { structuredContent: preview, text: describePreview(preview) };
  },
});

function describePreview(preview: RunPreview): string {
  const { estimate, privacy } = preview;
  const parameters = Object.entries(preview.parameters)
    .filter(([, value]) => value !== null)
    .map(([name, value]) => `${name}=${escapeMarkdown(JSON.stringify(value))}`)
    .join(', ');
  const datasets = preview.datasets
    .map(
      (dataset) =>
        `${dataset.macro} = ${escapeMarkdown(dataset.name)} (${escapeMarkdown(dataset.ownerOrganization.name)})`,
    )
    .join('; ');
  const suppressedValues =
    estimate.willBeSuppressed.values === null
      ? "values withheld: they come from another organization's data"
      : listValues(estimate.willBeSuppressed.values);
  const lines = [
    `${preview.question.name} in ${preview.cleanRoom.displayId}: the request is valid, so start_run with the same arguments will be accepted.`,
    `Parameters: ${parameters || 'none'}. Datasets: ${datasets}.`,
    `Crowd size ${privacy.crowdSize}; noise ${privacy.noise.enabled ? `on (scale ${privacy.noise.scale})` : 'off'}.`,
    `May pass: ${countText(estimate.mayPass.count, `${estimate.dimension} segment`)}${estimate.mayPass.count > 0 ? ` (${listValues(estimate.mayPass.values)})` : ''}.`,
    `Will be suppressed: ${countText(estimate.willBeSuppressed.count, 'segment')}${estimate.willBeSuppressed.count > 0 ? ` (${suppressedValues})` : ''}.`,
  ];
  if (estimate.totalRow)
    lines.push(
      `TOTAL row: ${estimate.totalRow === 'MAY_PASS' ? 'may pass' : 'will be suppressed'}.`,
    );
  if (estimate.unmatchedValues) lines.push(estimate.unmatchedValues.message);
  const warning = emptyResultWarning(preview);
  if (warning) lines.push(warning);
  lines.push(`Method: ${estimate.method}`);
  return joinBlocks(lines);
}

/**
 * Returns a warning when no segment has rows for the parameters, so the run
 * would return no rows. With a date range, the likely cause is a range
 * outside the data's dates.
 */
function emptyResultWarning({ estimate, parameters }: RunPreview): string | undefined {
  if (estimate.mayPass.count > 0 || estimate.willBeSuppressed.count > 0) return undefined;

  const empty = `Warning: no ${estimate.dimension} segment has rows for these parameters, so the run would return no rows.`;
  // NOTE: dataset metadata stores no date range, so the warning cannot name the data's dates.
  // It can name them once imports record each date column's minimum and maximum.
  const { date_start: start, date_end: end } = parameters;
  if (typeof start !== 'string' || typeof end !== 'string') return empty;
  const today = new Date().toISOString().slice(0, 10);
  const future = start > today ? ` date_start ${start} is after today (${today}).` : '';
  return `${empty} The date range ${start} to ${end} probably lies outside the dates of the data.${future} Pick a range in which the datasets have events.`;
}
