import { Link } from 'react-router';
import type { RunEvidence } from '../../../src/domain/chat/chat-stream-event.ts';
import type { RunEventPayload } from '../../../src/domain/chat/ws-protocol.ts';
import { countText } from '../lib/count-text.ts';

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
        {evidence.rowsReleased === null
          ? ''
          : `; ${countText(evidence.rowsReleased, 'row')} released, ${(evidence.rowsSuppressed ?? 0).toLocaleString()} suppressed`}
      </p>
    </article>
  );
}
