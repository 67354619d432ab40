import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { RunEvidence } from '../../../src/domain/chat/chat-stream-event.ts';
import type { RunEventPayload } from '../../../src/domain/chat/ws-protocol.ts';
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

/** Shows the run behind an answer's numbers, with its live status. */
export function EvidenceCard({
  evidence,
  live,
}: {
  evidence: RunEvidence;
  live: RunEventPayload | undefined;
}) {
  const status = live?.status ?? evidence.status;
  const progress = live?.progress;
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
