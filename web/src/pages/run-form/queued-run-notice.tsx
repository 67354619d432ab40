import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { onQueuedRunOutcome, type QueuedRunOutcome } from '../../app/pwa-state.ts';

/**
 * Tells what became of a run submission the service worker queued: still
 * queued, submitted (with a link to the run) or rejected by the server.
 * The worker reports each queued submission by its Idempotency-Key.
 */
export function QueuedRunNotice({
  idempotencyKey,
  reason,
}: {
  idempotencyKey: string;
  reason: string;
}) {
  const [outcome, setOutcome] = useState<QueuedRunOutcome | null>(null);
  useEffect(
    () =>
      onQueuedRunOutcome((reported) => {
        if (reported.idempotencyKey === idempotencyKey) setOutcome(reported);
      }),
    [idempotencyKey],
  );

  if (outcome === null) {
    return (
      <p className="banner banner-queue" role="status" data-testid="run-queued">
        The run is queued and will be submitted when the server can take it. {reason}
      </p>
    );
  }
  if ('rejected' in outcome) {
    return (
      <p className="error" role="alert" data-testid="run-queued-rejected">
        The queued run was rejected and not started: {outcome.rejected.message} (
        {outcome.rejected.code})
      </p>
    );
  }
  return (
    <p className="banner banner-queue" role="status" data-testid="run-queued-submitted">
      The queued run was submitted. <Link to={`/runs/${outcome.runId}`}>View the run</Link>
    </p>
  );
}
