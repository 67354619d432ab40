import type { Caller } from '../../domain/organizations/caller.ts';
import { TERMINAL_RUN_STATUSES, type QuestionRun } from '../../domain/runs/question-run.ts';
import { getRun } from '../../services/runs/get-run.ts';
import type { ServiceContext } from '../../services/service-context.ts';

/**
 * Interval in ms between reads of a run that sends no events. Run events
 * are best effort: without REDIS_URL they reach only this process, and with
 * Redis down none arrive from other processes, so the run is also read.
 */
const POLL_INTERVAL_MS = 1_000;

export interface WaitForRunOptions {
  /** Maximum wait in seconds; the run is returned as it is then. */
  seconds: number;
  signal: AbortSignal;
  /** Called with the run after each change seen while waiting, and once at the end. */
  onUpdate(run: QuestionRun): Promise<void>;
}

/**
 * Waits until a run reaches a final status, the wait runs out or the signal
 * aborts, and returns the run as last read. It wakes on the run's events and
 * reads the run at least once per second.
 */
export async function waitForRun(
  services: ServiceContext,
  caller: Caller,
  runId: string,
  options: WaitForRunOptions,
): Promise<QuestionRun> {
  const deadline = Date.now() + options.seconds * 1_000;
  const wakeup = new Wakeup();
  const unsubscribe = services.runEvents.subscribe((event) => {
    if (event.runId === runId) wakeup.wake();
  });
  try {
    // Read after subscribing, so a change between the read and the subscription is not missed.
    let run = await getRun(services, caller, runId);
    while (!isFinished(run) && Date.now() < deadline && !options.signal.aborted) {
      await options.onUpdate(run);
      await wakeup.wait(Math.min(POLL_INTERVAL_MS, deadline - Date.now()), options.signal);
      run = await getRun(services, caller, runId);
    }
    await options.onUpdate(run);
    return run;
  } finally {
    unsubscribe();
  }
}

export function isFinished(run: QuestionRun): boolean {
  return TERMINAL_RUN_STATUSES.includes(run.status);
}

/** A wake-up call that is kept when it comes before anyone waits. */
class Wakeup {
  private pending = false;
  private release: (() => void) | undefined;

  wake(): void {
    this.pending = true;
    this.release?.();
  }

  /** Resolves on the next wake-up, after `milliseconds`, or when the signal aborts. */
  async wait(milliseconds: number, signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted) {
      this.pending = false;
      return;
    }

    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, milliseconds));
      signal.addEventListener('abort', done, { once: true });
      this.release = done;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
    this.release = undefined;
    this.pending = false;
  }
}
