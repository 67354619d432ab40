/** Time one dependency check may take before it counts as failed, in milliseconds. */
const PROBE_TIMEOUT_MS = 2000;

export type ProbeOutcome =
  { ok: true; latencyMs: number } | { ok: false; latencyMs: number; error: string };

/** Runs one live check of a dependency, bounded by a timeout, and never throws. */
export async function probe(check: () => Promise<void>): Promise<ProbeOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${PROBE_TIMEOUT_MS} ms`)),
          PROBE_TIMEOUT_MS,
        );
      }),
    ]);
    return { ok: true, latencyMs: elapsed() };
  } catch (error) {
    return { ok: false, latencyMs: elapsed(), error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
