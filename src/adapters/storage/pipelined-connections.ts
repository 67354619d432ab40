import pg from 'pg';
import type { Logger } from '../logging/logger.ts';

/** Queries in flight on one pipelined connection beyond which new queries take the pool. */
const PIPELINE_DEPTH_MAX = 32;
/** Minimum time between two attempts to open a pipelined connection that failed or dropped, in milliseconds. */
const RECONNECT_INTERVAL_MS = 1_000;
/** Executions of a statement text timed before it may be pipelined. */
const MIN_TIMED_EXECUTIONS = 20;
/** A connection with queries in flight and no result for this many times the statement limit takes no new queries. */
const STALL_FACTOR = 4;
/** Weight of the newest duration in a statement's moving average. */
const AVERAGE_WEIGHT = 0.1;
/** Maximum number of statement texts whose durations are kept, so dynamic SQL cannot grow the map without end. */
const TIMED_STATEMENTS_MAX = 10_000;

export interface PipelinedConnectionsOptions {
  /** Number of pipelined connections; each is one more PostgreSQL backend. */
  connections: number;
  /** Statements whose average duration is above this many milliseconds keep to the pool. */
  maxStatementMs: number;
  /** pg Client settings shared with the pool: URL, search_path, statement_timeout, type parsers. */
  client: pg.ClientConfig;
  log: Logger;
}

/** One pipelined client and the number of its queries still in flight. */
export interface Pipe {
  index: number;
  client: pg.Client;
  inFlight: number;
  /** performance.now() of the last result, or of the first query sent after an idle spell. */
  lastProgressAt: number;
  /** True while the socket holds back writes until the event loop's check phase. */
  corked: boolean;
}

/**
 * A few connections in pg's pipeline mode, for single statements outside
 * transactions. A pooled connection carries one query per round trip, so
 * each query wakes a PostgreSQL backend and the Node process once. A
 * pipelined connection writes the next query before the result of the
 * previous one arrives. Under load, a backend then finds several queries in
 * its socket and returns their results in one go (docs/deployment.md has
 * the figures).
 *
 * A slow statement delays every query queued behind it on the same
 * connection. So only statements whose moving average duration is at most
 * `maxStatementMs` are pipelined, and other statements, or those not yet
 * timed often enough, take the pool. A fast statement can still wait, on a
 * lock for example. A connection that has queries in flight and returned no
 * result for `STALL_FACTOR` times `maxStatementMs` takes no new queries until
 * it returns one, and neither does one with `PIPELINE_DEPTH_MAX` queries in
 * flight. The queries already sent behind a waiting one wait with it, up to
 * the statement timeout. Each query carries its own Sync, so a failing
 * statement fails alone. A connection failure fails the queries in flight.
 * The connection is dropped at the first such failure and reopened on a
 * later query.
 */
export class PipelinedConnections {
  private readonly pipes: (Pipe | null)[];
  private readonly opening = new Set<number>();
  private readonly lastAttemptAt: number[];
  private readonly durations = new StatementDurations();
  private closed = false;

  constructor(private readonly options: PipelinedConnectionsOptions) {
    this.pipes = Array.from({ length: options.connections }, () => null);
    this.lastAttemptAt = Array.from({ length: options.connections }, () => 0);
  }

  /** Open pipelined connections and the queries in flight on them, for metrics. */
  get state(): { connections: number; inFlight: number } {
    let connections = 0;
    let inFlight = 0;
    for (const pipe of this.pipes) {
      if (pipe === null) continue;
      connections += 1;
      inFlight += pipe.inFlight;
    }
    return { connections, inFlight };
  }

  /** Opens every pipelined connection now; a failure is thrown, as the pool's warm-up does. */
  async open(): Promise<void> {
    await Promise.all(this.pipes.map((_, index) => this.openPipe(index)));
  }

  /**
   * Returns a connected pipe with room for one more query when `sql` is
   * known to be fast, or undefined to send the query to the pool. Starts
   * reopening closed connections on the way.
   */
  pick(sql: string): Pipe | undefined {
    if (this.closed || !this.durations.isFast(sql, this.options.maxStatementMs)) return undefined;

    const stalledBefore = performance.now() - STALL_FACTOR * this.options.maxStatementMs;
    let best: Pipe | undefined;
    for (let index = 0; index < this.pipes.length; index += 1) {
      const pipe = this.pipes[index];
      if (pipe === null || pipe === undefined) {
        this.reopenLater(index);
        continue;
      }
      const stalled = pipe.inFlight > 0 && pipe.lastProgressAt < stalledBefore;
      if (!stalled && (best === undefined || pipe.inFlight < best.inFlight)) best = pipe;
    }
    return best !== undefined && best.inFlight < PIPELINE_DEPTH_MAX ? best : undefined;
  }

  /**
   * Runs `statement` on the pipe's client and counts it as in flight until it
   * settles. A failure other than an error PostgreSQL reported (a reset or
   * closed socket) drops the connection at once, so no further query is sent
   * on it.
   */
  async run<T>(pipe: Pipe, statement: (client: pg.Client) => Promise<T>): Promise<T> {
    if (pipe.inFlight === 0) pipe.lastProgressAt = performance.now();
    pipe.inFlight += 1;
    if (!pipe.corked) holdWritesForThisTurn(pipe);
    try {
      return await statement(pipe.client);
    } catch (error) {
      if (!(error instanceof pg.DatabaseError)) this.fail(pipe, error);
      throw error;
    } finally {
      pipe.inFlight -= 1;
      pipe.lastProgressAt = performance.now();
    }
  }

  /** Records how long `sql` took, on a pipe or on the pool. */
  recordDuration(sql: string, durationMs: number): void {
    this.durations.record(sql, durationMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    const open = this.pipes.filter((pipe): pipe is Pipe => pipe !== null);
    this.pipes.fill(null);
    await Promise.all(open.map((pipe) => pipe.client.end().catch(() => undefined)));
  }

  private reopenLater(index: number): void {
    const now = Date.now();
    if (this.opening.has(index) || now - (this.lastAttemptAt[index] ?? 0) < RECONNECT_INTERVAL_MS)
      return;

    this.openPipe(index).catch((error: unknown) => {
      this.options.log.warn(
        { err: error, connection: index },
        'pipelined database connection failed to open; queries take the pool',
      );
    });
  }

  private async openPipe(index: number): Promise<void> {
    this.opening.add(index);
    this.lastAttemptAt[index] = Date.now();
    const client = new pg.Client({ ...this.options.client, pipeline: true });
    const pipe: Pipe = { index, client, inFlight: 0, lastProgressAt: 0, corked: false };
    // Without a listener, a dropped connection emits 'error' and crashes the process.
    client.on('error', (error) => this.drop(pipe, error));
    client.on('end', () => this.drop(pipe, undefined));
    try {
      await client.connect();
      if (this.closed) {
        await client.end();
        return;
      }
      this.pipes[index] = pipe;
    } finally {
      this.opening.delete(index);
    }
  }

  /** Drops the pipe after a connection failure and closes its socket, failing what is still in flight. */
  private fail(pipe: Pipe, error: unknown): void {
    if (this.pipes[pipe.index] !== pipe) return;

    this.drop(pipe, error instanceof Error ? error : undefined);
    pipe.client.connection.stream.destroy();
  }

  private drop(pipe: Pipe, error: Error | undefined): void {
    if (this.pipes[pipe.index] !== pipe) return;

    this.pipes[pipe.index] = null;
    if (!this.closed) {
      this.options.log.warn(
        { err: error, connection: pipe.index, inFlight: pipe.inFlight },
        'pipelined database connection dropped; it reopens on a later query',
      );
    }
  }
}

/**
 * Holds the socket's writes until the check phase of this event loop turn,
 * so the queries of every request handled in the turn leave in one write.
 * pg writes each protocol message on its own. Corking the pipelined sockets
 * saved about 6 % of the server CPU per request of the uncached list bench.
 */
function holdWritesForThisTurn(pipe: Pipe): void {
  const { stream } = pipe.client.connection;
  pipe.corked = true;
  stream.cork();
  setImmediate(() => {
    pipe.corked = false;
    stream.uncork();
  });
}

/**
 * Moving average duration per statement text. A statement is fast once it
 * was timed `MIN_TIMED_EXECUTIONS` times with an average at most the limit.
 */
class StatementDurations {
  private readonly averages = new Map<string, { count: number; meanMs: number }>();

  isFast(sql: string, maxStatementMs: number): boolean {
    const entry = this.averages.get(sql);
    return (
      entry !== undefined && entry.count >= MIN_TIMED_EXECUTIONS && entry.meanMs <= maxStatementMs
    );
  }

  record(sql: string, durationMs: number): void {
    const entry = this.averages.get(sql);
    if (entry === undefined) {
      if (this.averages.size < TIMED_STATEMENTS_MAX)
        this.averages.set(sql, { count: 1, meanMs: durationMs });
      return;
    }
    entry.count += 1;
    // A plain mean over the first executions, then an exponential moving average.
    const weight = Math.max(AVERAGE_WEIGHT, 1 / entry.count);
    entry.meanMs += (durationMs - entry.meanMs) * weight;
  }
}
