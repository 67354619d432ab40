/**
 * Abort controllers of the runs executing in this process, so a cancellation
 * stops the engine at once instead of at the next progress check.
 */
export class RunSignals {
  private readonly controllers = new Map<string, AbortController>();

  register(runId: string): AbortController {
    const controller = new AbortController();
    this.controllers.set(runId, controller);
    return controller;
  }

  release(runId: string): void {
    this.controllers.delete(runId);
  }

  /** Aborts the run if it executes here; returns whether it did. */
  abort(runId: string, reason: string): boolean {
    const controller = this.controllers.get(runId);
    controller?.abort(new Error(reason));
    return controller !== undefined;
  }
}
