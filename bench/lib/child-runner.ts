import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ChildMessage, ParentMessage } from './child-protocol.ts';

/** Whether children can be pinned to CPUs with `taskset` (util-linux). */
export interface PinningSupport {
  available: boolean;
  /** Reason children run unpinned, recorded in the report. Null when pinning works. */
  note: string | null;
}

export function detectPinning(): PinningSupport {
  const probe = spawnSync('taskset', ['-c', '0', 'true'], { encoding: 'utf8' });
  if (probe.error !== undefined) {
    return {
      available: false,
      note: `taskset not found (${probe.error.message}): children ran unpinned`,
    };
  }
  if (probe.status !== 0) {
    return {
      available: false,
      note: `taskset -c 0 failed (${probe.stderr.trim()}): children ran unpinned`,
    };
  }
  return { available: true, note: null };
}

export interface StartChildOptions {
  /** TypeScript module that calls `serveBenchRequests`, run with `node --import tsx`. */
  script: string;
  /** CPU list for `taskset -c`, such as "0" or "0,1". */
  cpus: string;
  pinning: PinningSupport;
  /** Maximum time for one request before the child is killed and the request fails. */
  requestTimeoutMs: number;
}

export interface ChildPeakMemory {
  /** Peak RSS the child reported (process.resourceUsage().maxRSS). */
  maxRssBytes: number;
  /** VmHWM from /proc/<pid>/status, read just before the child exited, or null when unreadable. */
  vmHwmBytes: number | null;
}

interface PendingRequest {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** A fresh, optionally pinned child process that serves the bench's requests over IPC. */
export class BenchChild {
  private nextRequestId = 1;
  private readonly pending = new Map<number, PendingRequest>();
  private exitWaiter: {
    resolve: (maxRssBytes: number) => void;
    reject: (error: Error) => void;
  } | null = null;
  private exited: Error | null = null;

  private constructor(
    private readonly child: ChildProcess,
    private readonly options: StartChildOptions,
  ) {}

  static async start(options: StartChildOptions): Promise<BenchChild> {
    const nodeArguments = [process.execPath, '--import', 'tsx', options.script];
    const [command, ...args] = options.pinning.available
      ? ['taskset', '-c', options.cpus, ...nodeArguments]
      : nodeArguments;
    const child = spawn(command as string, args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const benchChild = new BenchChild(child, options);
    await benchChild.waitUntilReady();
    return benchChild;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Reads the CPU list the kernel allows the child from /proc, which confirms the pinning. */
  readCpusAllowed(): string | null {
    return readStatusField(this.pid, 'Cpus_allowed_list');
  }

  request<T>(payload: unknown): Promise<T> {
    if (this.exited !== null) return Promise.reject(this.exited);
    const id = this.nextRequestId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.child.kill('SIGKILL');
        reject(
          new Error(
            `Bench child ${this.options.script} timed out after ${this.options.requestTimeoutMs} ms`,
          ),
        );
      }, this.options.requestTimeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.child.send({ kind: 'request', id, payload } satisfies ParentMessage);
    });
  }

  /** Asks the child to clean up and exit, and returns its peak memory. */
  async stop(): Promise<ChildPeakMemory> {
    if (this.exited !== null) throw this.exited;
    const maxRssBytes = await new Promise<number>((resolve, reject) => {
      this.exitWaiter = { resolve, reject };
      this.child.send({ kind: 'exit' } satisfies ParentMessage);
    });
    const vmHwmKilobytes = readStatusField(this.pid, 'VmHWM');
    const exit = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.disconnect();
    await exit;
    return {
      maxRssBytes,
      vmHwmBytes: vmHwmKilobytes === null ? null : Number.parseInt(vmHwmKilobytes, 10) * 1024,
    };
  }

  private waitUntilReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.on('message', (message: ChildMessage) => {
        if (message.kind === 'ready') resolve();
        else this.handleMessage(message);
      });
      this.child.once('exit', (code, signal) => {
        this.exited = new Error(
          `Bench child ${this.options.script} exited (code ${code}, signal ${signal})`,
        );
        reject(this.exited);
        this.rejectPending(this.exited);
        this.exitWaiter?.reject(this.exited);
      });
    });
  }

  private handleMessage(message: Exclude<ChildMessage, { kind: 'ready' }>): void {
    if (message.kind === 'exiting') {
      this.exitWaiter?.resolve(message.maxRssBytes);
      return;
    }
    const request = this.pending.get(message.id);
    if (request === undefined) return;
    this.pending.delete(message.id);
    clearTimeout(request.timer);
    if (message.ok) request.resolve(message.value);
    else request.reject(new Error(`Bench child ${this.options.script} failed: ${message.error}`));
  }

  private rejectPending(error: Error): void {
    for (const request of this.pending.values()) {
      clearTimeout(request.timer);
      request.reject(error);
    }
    this.pending.clear();
  }
}

/** Reads one "Name:\tvalue" line of /proc/<pid>/status, or returns null when the process is gone. */
function readStatusField(pid: number, name: string): string | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(status)?.[1]?.trim() ?? null;
  } catch {
    return null;
  }
}

/** Starts a child, runs `use` with it and always stops it, returning both results. */
export async function withBenchChild<T>(
  options: StartChildOptions,
  use: (child: BenchChild) => Promise<T>,
): Promise<{ result: T; peakMemory: ChildPeakMemory; cpusAllowed: string | null }> {
  const child = await BenchChild.start(options);
  const cpusAllowed = child.readCpusAllowed();
  let result: T;
  try {
    result = await use(child);
  } catch (error) {
    await child.stop().catch(() => undefined);
    throw error;
  }
  return { result, peakMemory: await child.stop(), cpusAllowed };
}
