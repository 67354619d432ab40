import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { QuestionRunResult } from '../../../src/domain/runs/question-run.ts';
import { fetchRun, fetchRunResults } from '../api/resources.ts';
import { runNotFound } from '../app/not-found-texts.ts';
import { QueryStatus } from '../components/QueryStatus.tsx';
import { countText } from '../lib/count-text.ts';
import { resultToCsv } from '../lib/result-csv.ts';
import { useRunEvents } from '../ws/use-run-events.ts';
import { RunFacts } from './run-detail/run-facts.tsx';
import { usePageTitle } from '../app/use-page-title.ts';

const ResultChart = lazy(() => import('../components/ResultChart.tsx'));

/**
 * Formats a number for reading. Four decimals keep a rate the server rounds
 * to 0.0773 whole, which the locale default of three would cut to 0.077.
 * The CSV download keeps up to 15 significant digits.
 */
function tableNumber(value: number): string {
  return value.toLocaleString(undefined, { maximumFractionDigits: 4 });
}

function ResultTable({ result }: { result: QuestionRunResult }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Result table">
      <table data-testid="result-table">
        <thead>
          <tr>
            {result.columns.map((column) => (
              <th key={column.name} scope="col">
                {column.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {result.rows.map((row, rowIndex) => (
            <tr key={rowIndex}>
              {row.map((value, columnIndex) => (
                <td key={columnIndex} className={typeof value === 'number' ? 'number' : undefined}>
                  {typeof value === 'number' ? tableNumber(value) : (value ?? '')}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Says why a result has no released rows. Requested values that matched
 * nothing come first, because the rows withheld then are only totals over
 * nothing; their report above names the values and why.
 */
function emptyResultReason(result: QuestionRunResult): string {
  const { suppressedRowCount, privacy, unmatchedValues } = result;
  if (unmatchedValues !== null)
    return 'Nothing could be released for the requested values, as the note above explains.';
  if (suppressedRowCount === 1)
    return `Its only row counted fewer people than the crowd size of ${privacy.crowdSize}, so it was suppressed.`;
  if (suppressedRowCount > 1)
    return `All ${countText(suppressedRowCount, 'row')} counted fewer people than the crowd size of ${privacy.crowdSize}, so they were suppressed.`;
  return 'The question found no matching data for these parameters and datasets.';
}

/** Explains a result without released rows, in place of a table with only a header. */
function EmptyResult({ result }: { result: QuestionRunResult }) {
  const reason = emptyResultReason(result);
  return (
    <p className="empty-result" data-testid="empty-result">
      This run released no rows. {reason} Check the parameters above, such as the date range and the
      listed values, and run the question again.
    </p>
  );
}

/** Fetches every page of the result and saves it as a CSV file. */
async function downloadCsv(runId: string, first: QuestionRunResult): Promise<void> {
  const rows = [...first.rows];
  for (let cursor = first.nextCursor; cursor !== null;) {
    const page = await fetchRunResults(runId, cursor);
    rows.push(...page.rows);
    cursor = page.nextCursor;
  }
  const blob = new Blob([resultToCsv(first.columns, rows)], { type: 'text/csv' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `run-${runId}.csv`;
  link.click();
  URL.revokeObjectURL(link.href);
}

function Results({ runId }: { runId: string }) {
  const query = useQuery({
    queryKey: ['run', runId, 'results'],
    queryFn: () => fetchRunResults(runId),
  });
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const result = query.data;
  return (
    <section aria-labelledby="results-title">
      <h2 id="results-title">Results</h2>
      <QueryStatus query={query} what="results" />
      {result !== undefined && (
        <>
          <p>
            {countText(result.rowCount, 'row')} released,{' '}
            {result.suppressedRowCount.toLocaleString()} suppressed under the crowd size of{' '}
            {result.privacy.crowdSize}
            {result.noiseApplied ? `, noise scale ${result.privacy.noise.scale}` : ''}.
          </p>
          <button
            type="button"
            onClick={() =>
              void downloadCsv(runId, result).catch((error: unknown) =>
                setDownloadError(String(error)),
              )
            }
          >
            Download CSV
          </button>
          {downloadError !== null && <p className="error">{downloadError}</p>}
          {result.unmatchedValues !== null && (
            <p className="notice" data-testid="unmatched-values">
              {result.unmatchedValues.message}
            </p>
          )}
          {result.rowCount === 0 ? (
            <EmptyResult result={result} />
          ) : (
            <>
              <Suspense fallback={<p className="loading">Loading chart…</p>}>
                <ResultChart result={result} />
              </Suspense>
              <ResultTable result={result} />
            </>
          )}
        </>
      )}
    </section>
  );
}

export default function RunDetailPage() {
  const { runId = '' } = useParams();
  const query = useQuery({ queryKey: ['run', runId], queryFn: () => fetchRun(runId) });
  const live = useRunEvents([runId]).get(runId);
  const run = query.data;
  usePageTitle(run === undefined ? undefined : `Run ${run.name}`);
  const status = run?.status ?? live?.status;
  const progress = live?.progress ?? run?.progress ?? 0;
  return (
    <section className="detail-page" aria-labelledby="run-title">
      <p>
        <Link to="/runs">← Runs</Link>
      </p>
      <h1 id="run-title">{run?.name ?? 'Run'}</h1>
      <QueryStatus query={query} what="the run" explain={runNotFound(runId)} />
      {run !== undefined && (
        <>
          <p>
            Status: <span data-testid="run-status">{status}</span>
          </p>
          <progress max={100} value={progress} aria-label="Run progress">
            {Math.round(progress)}%
          </progress>
          {run.failureReason !== null && <p className="error">{run.failureReason}</p>}
          <RunFacts run={run} />
          <p className="muted">
            Crowd size {run.privacy.crowdSize}; noise{' '}
            {run.privacy.noise.enabled ? `scale ${run.privacy.noise.scale}` : 'off'}.
          </p>
        </>
      )}
      {status === 'COMPLETED' && <Results runId={runId} />}
    </section>
  );
}
