import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Link } from 'react-router';
import type { RunEvidence } from '../../../src/domain/chat/chat-stream-event.ts';
import type { RunEventPayload } from '../../../src/domain/chat/ws-protocol.ts';
import type { QuestionRun } from '../../../src/domain/runs/question-run.ts';
import { countText } from '../lib/count-text.ts';

interface RowFigures {
  released: number;
  suppressed: number;
}

/**
 * Returns the run's released and suppressed rows: from the answer when it
 * reported them, or read from the results once live events show the run
 * COMPLETED, because run events carry no row counts.
 */
function useRowFigures(evidence: RunEvidence, status: string): RowFigures | null {
  const reported = evidence.rowsReleased !== null;
  const query = useQuery({
    queryKey: ['run', evidence.runId, 'figures'],
    // Loaded on demand, because resources.ts brings zod, which stays off the first route.
    queryFn: async () => (await import('../api/resources.ts')).fetchRunFigures(evidence.runId),
    enabled: !reported && status === 'COMPLETED',
  });
  if (reported) {
    return { released: evidence.rowsReleased ?? 0, suppressed: evidence.rowsSuppressed ?? 0 };
  }
  if (query.data === undefined || status !== 'COMPLETED') return null;
  return { released: query.data.rowCount, suppressed: query.data.suppressedRowCount };
}

/**
 * Rank of each run status in a run's life. The shared list of final
 * statuses is in a module that loads zod, which stays off the first route.
 */
const STATUS_RANK: Readonly<Record<string, number>> = {
  QUEUED: 0,
  RUNNING: 1,
  COMPLETED: 2,
  FAILED: 2,
  CANCELLED: 2,
};
const FINAL_RANK = 2;

function rankOf(status: string): number {
  return STATUS_RANK[status] ?? 0;
}

interface RunState {
  status: string;
  progress: number | undefined;
}

/** Picks the latest of several reports of one run: the later status, then the higher progress. */
function latestState(first: RunState, ...others: (RunState | undefined)[]): RunState {
  let latest = first;
  for (const report of others) {
    if (report === undefined) continue;
    const later = rankOf(report.status) > rankOf(latest.status);
    const ahead =
      rankOf(report.status) === rankOf(latest.status) &&
      (report.progress ?? 0) > (latest.progress ?? 0);
    if (later || ahead) latest = report;
  }
  return latest;
}

/**
 * Reads the run while the answer reports it unfinished: once when the card
 * appears, and again at each later report of the answer. Run events sent
 * between a report and the socket's subscription are not sent again, so
 * without these reads a card could keep a status the run has left.
 */
function useRunRead(evidence: RunEvidence): QuestionRun | undefined {
  const unfinished = rankOf(evidence.status) < FINAL_RANK;
  const { data, refetch } = useQuery({
    queryKey: ['run', evidence.runId],
    queryFn: async () => (await import('../api/resources.ts')).fetchRun(evidence.runId),
    enabled: unfinished,
  });
  const readFor = useRef(evidence);
  useEffect(() => {
    if (readFor.current === evidence) return;
    readFor.current = evidence;
    if (unfinished) void refetch();
  }, [evidence, unfinished, refetch]);
  return data;
}

/** Shows the run behind an answer's numbers, with its live status. */
export function EvidenceCard({
  evidence,
  live,
}: {
  evidence: RunEvidence;
  live: RunEventPayload | undefined;
}) {
  const read = useRunRead(evidence);
  const { status, progress } = latestState(
    { status: evidence.status, progress: undefined },
    read,
    live,
  );
  const figures = useRowFigures(evidence, status);
  return (
    <article className="evidence-card" aria-label={`Run of ${evidence.questionName}`}>
      <h3>
        <Link to={`/runs/${evidence.runId}`}>{evidence.questionName}</Link>
      </h3>
      <p>{evidence.cleanRoomName}</p>
      <p>
        Status: <span data-testid="evidence-status">{status}</span>
        {progress !== undefined && status === 'RUNNING' ? ` (${Math.round(progress)}%)` : ''}
      </p>
      <p className="muted">
        Crowd size {evidence.privacy.crowdSize}
        {evidence.privacy.noiseScale === null ? '' : `, noise scale ${evidence.privacy.noiseScale}`}
        {figures === null
          ? ''
          : `; ${countText(figures.released, 'row')} released, ${figures.suppressed.toLocaleString()} suppressed`}
      </p>
    </article>
  );
}
