import { applyUpdate, dismissRejectedRun, usePwaState } from '../app/pwa-state.ts';
import { countText, takesSingular } from '../lib/count-text.ts';

function queueText(size: number, reason: string | null): string {
  const singular = takesSingular(size);
  const why = reason === null ? '' : ` ${reason}`;
  return `${countText(size, 'run')} ${singular ? 'is' : 'are'} queued and will be submitted when the server can take ${singular ? 'it' : 'them'}.${why}`;
}

/**
 * Offline, update-available, queued-run and rejected-run notices, announced
 * to screen readers as they appear. A rejected run stays until dismissed,
 * even after the queue is empty.
 */
export function PwaBanners() {
  const { online, updateAvailable, runQueue, rejectedRuns } = usePwaState();
  return (
    <div className="banners" aria-live="polite">
      {!online && (
        <p className="banner banner-offline" role="status" data-testid="offline-banner">
          You are offline. Lists, runs and results show what was loaded last.
        </p>
      )}
      {updateAvailable && (
        <p className="banner banner-update" role="status" data-testid="update-banner">
          An update is available.{' '}
          <button type="button" onClick={applyUpdate}>
            Reload
          </button>
        </p>
      )}
      {runQueue !== null && runQueue.size > 0 && (
        <p className="banner banner-queue" role="status" data-testid="run-queue-banner">
          {queueText(runQueue.size, runQueue.reason)}
        </p>
      )}
      {rejectedRuns.map((rejected, index) => (
        <p
          key={index}
          className="banner banner-rejected"
          role="alert"
          data-testid="run-rejected-banner"
        >
          The queued run {rejected.run} was rejected and not started: {rejected.message} (
          {rejected.code}){' '}
          <button type="button" onClick={() => dismissRejectedRun(rejected)}>
            Dismiss
          </button>
        </p>
      ))}
    </div>
  );
}
