/** Failures counted in a fixed window that starts at the first failure. */
export interface FailureCount {
  count: number;
  /** Milliseconds until the window ends and the count drops to 0. */
  resetInMs: number;
}

/** Counts failed attempts per key; the login throttle's storage. */
export interface FailureCounter {
  read(keys: string[]): Promise<FailureCount[]>;
  increment(keys: string[], windowMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/** Number of keys above which expired windows are swept, so a flood of distinct emails cannot grow memory without bound. */
const SWEEP_THRESHOLD = 10_000;

/** Counters in this process: the default without Redis, and the fallback while Redis fails. */
export class MemoryFailureCounter implements FailureCounter {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async read(keys: string[]): Promise<FailureCount[]> {
    return keys.map((key) => {
      const window = this.windows.get(key);
      if (!window || window.endsAt <= this.now()) return { count: 0, resetInMs: 0 };
      return { count: window.count, resetInMs: window.endsAt - this.now() };
    });
  }

  async increment(keys: string[], windowMs: number): Promise<void> {
    if (this.windows.size > SWEEP_THRESHOLD) this.sweep();
    for (const key of keys) {
      const window = this.windows.get(key);
      if (window && window.endsAt > this.now()) window.count += 1;
      else this.windows.set(key, { count: 1, endsAt: this.now() + windowMs });
    }
  }

  async delete(key: string): Promise<void> {
    this.windows.delete(key);
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  private sweep(): void {
    for (const [key, window] of this.windows) {
      if (window.endsAt <= this.now()) this.windows.delete(key);
    }
  }
}
