import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/logger.ts';
import { DatabasePoolMetrics } from '../metrics/database-pool-metrics.ts';
import { SlowQueryLog } from '../metrics/slow-query-log.ts';
import { parseInt8, type Database, type Queryable } from './database.ts';
import { PipelinedConnections } from './pipelined-connections.ts';

const INT8_OID = 20;
const DATE_OID = 1082;

export interface PostgresOptions {
  url: string;
  schema: string;
  poolMax: number;
  /** Connections kept open while idle; `warm()` opens them. Default 0. */
  poolMin?: number;
  idleTimeoutMs: number;
  connectionTimeoutMs: number;
  /** Server-side statement_timeout of every connection, in milliseconds; 0 means none. */
  statementTimeoutMs: number;
  log: Logger;
  /** Name hot statements so each connection prepares them once (see HotStatementNames); default false. */
  preparedStatements?: boolean;
  /** Statements slower than this many milliseconds are logged at warn; 0 or absent turns the log off. */
  slowQueryMs?: number;
  /** Connections in pipeline mode for fast single statements (see PipelinedConnections); 0 or absent means none. */
  pipelineConnections?: number;
  /** Statements whose average duration is above this many milliseconds are never pipelined. Default 5. */
  pipelineMaxStatementMs?: number;
  /** Registry that receives the pool metrics; absent in tests that build the database alone. */
  metrics?: Registry;
}

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return parseInt8;
    // A `date` stays the YYYY-MM-DD text that PostgreSQL sends with DateStyle
    // ISO, which pg's own parsers assume as well. Every reader formats the value
    // back to that text with toDateString, so parsing it into a Date at local
    // midnight cost about 5 µs per value for nothing (Node 20.20).
    if (oid === DATE_OID && format !== 'binary') return keepText;
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};

function keepText(value: string): string {
  return value;
}

/** PostgreSQL through a `pg` Pool; the production backend. */
export class PostgresDatabase implements Database {
  readonly kind = 'postgres';
  readonly schema: string;
  readonly pool: pg.Pool;
  private readonly slowQueries: SlowQueryLog;
  private readonly statementNames: HotStatementNames | null;
  private readonly poolMetrics: DatabasePoolMetrics | null;
  private readonly pipelines: PipelinedConnections | null;

  constructor(options: PostgresOptions) {
    this.schema = options.schema;
    const client: pg.ClientConfig = {
      connectionString: options.url,
      connectionTimeoutMillis: options.connectionTimeoutMs,
      // pg sends statement_timeout in the startup packet, so it holds for every
      // statement of the connection, including those inside transactions.
      statement_timeout: options.statementTimeoutMs || undefined,
      application_name: 'cleanroom',
      options: `-c search_path=${options.schema},public`,
      types: typeParsers,
    };
    this.pool = new pg.Pool({
      ...client,
      max: options.poolMax,
      min: options.poolMin ?? 0,
      idleTimeoutMillis: options.idleTimeoutMs,
    });
    // Without a listener, an idle client dropped by the server (restart,
    // idle timeout on a proxy) emits 'error' and crashes the process.
    this.pool.on('error', (err) => {
      options.log.warn({ err }, 'idle database connection dropped');
    });
    this.slowQueries = new SlowQueryLog(options.slowQueryMs ?? 0, options.log, 'postgres');
    this.statementNames = options.preparedStatements ? new HotStatementNames() : null;
    this.pipelines = options.pipelineConnections
      ? new PipelinedConnections({
          connections: options.pipelineConnections,
          maxStatementMs: options.pipelineMaxStatementMs ?? 5,
          client,
          log: options.log,
        })
      : null;
    this.poolMetrics = options.metrics
      ? new DatabasePoolMetrics(options.metrics, this.pool, options.poolMax, this.pipelines)
      : null;
  }

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const { pipelines } = this;
    const pipe = pipelines?.pick(sql);
    this.poolMetrics?.countStatement(pipe !== undefined);
    if (pipelines && pipe) {
      return pipelines.run(pipe, (client) => this.run<Row>(client, sql, params, 'pipeline'));
    }

    const client = await this.acquire();
    let failure: unknown;
    try {
      return await this.run<Row>(client, sql, params);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      releaseClient(client, failure);
    }
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    let failure: unknown;
    try {
      await client.query('BEGIN');
      const tx: Queryable = {
        query: <Row>(sql: string, params: readonly unknown[] = []) =>
          this.run<Row>(client, sql, params),
      };
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      failure = error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      releaseClient(client, failure);
    }
  }

  async exec(script: string): Promise<Record<string, unknown>[]> {
    // A script of several statements returns one result per statement. Scripts
    // are migrations and set-up, so they stay out of the slow-query log.
    const result = (await this.pool.query(script)) as pg.QueryResult | pg.QueryResult[];
    return Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pipelines?.close();
    await this.pool.end();
  }

  /**
   * Opens the pool's minimum of connections now, so the first burst of
   * queries does not pay for connection set-up (5-15 ms each on loopback in our benchmarks).
   * pg-pool keeps them while idle but never opens them on its own.
   */
  async warm(): Promise<void> {
    const clients = await Promise.all(
      Array.from({ length: this.pool.options.min ?? 0 }, () => this.pool.connect()),
    );
    for (const client of clients) client.release();
    await this.pipelines?.open();
  }

  /** Takes a connection from the pool and records how long that took. */
  private async acquire(): Promise<pg.PoolClient> {
    const started = performance.now();
    const client = await this.pool.connect();
    this.poolMetrics?.observeWait((performance.now() - started) / 1000);
    client.on('error', ignoreCheckedOutError);
    return client;
  }

  private async run<Row>(
    client: pg.ClientBase,
    sql: string,
    params: readonly unknown[],
    connection: 'pool' | 'pipeline' = 'pool',
  ): Promise<Row[]> {
    const name = this.statementNames?.nameFor(sql, params.length);
    const config: pg.QueryConfig = { text: sql, values: params as unknown[] };
    if (name !== undefined) config.name = name;
    const started = performance.now();
    try {
      const result = await client.query(config);
      return result.rows as Row[];
    } finally {
      const durationMs = performance.now() - started;
      this.slowQueries.observe(sql, durationMs, connection);
      this.pipelines?.recordDuration(sql, durationMs);
    }
  }
}

/**
 * Returns the connection to the pool, or closes it when the query failed for
 * another reason than an error the server reported (a broken socket, a
 * client-side timeout), since such a connection may be in an unknown state,
 * or when the server reported that it ended the connection.
 */
function releaseClient(client: pg.PoolClient, failure: unknown): void {
  client.off('error', ignoreCheckedOutError);
  const broken =
    failure !== undefined &&
    (!(failure instanceof pg.DatabaseError) || CONNECTION_ENDED_SQLSTATES.has(failure.code ?? ''));
  client.release(broken ? (failure as Error) : undefined);
}

/** SQLSTATEs of a server that ended the connection (admin_shutdown, crash_shutdown, cannot_connect_now). */
const CONNECTION_ENDED_SQLSTATES = new Set(['57P01', '57P02', '57P03']);

/**
 * Ignores the 'error' event of a checked-out client. pg emits it when the
 * server closes the connection, after it failed the query in flight. pg-pool
 * listens only to idle clients, so without this listener a connection ended
 * during a query (a backend terminated by an administrator, say) crashed the
 * process. The query's own error reaches the caller, and release discards
 * the client.
 */
function ignoreCheckedOutError(): void {}

/** Executions of one statement text after which it is prepared on each connection. */
const HOT_STATEMENT_EXECUTIONS = 20;
/** Maximum number of named statements, so each connection keeps a bounded set of plans. */
const NAMED_STATEMENTS_MAX = 200;
/** Maximum number of distinct statement texts counted, so dynamic SQL cannot grow the map without end. */
const COUNTED_STATEMENTS_MAX = 10_000;

/**
 * Picks the hot parameterised statements and gives each a stable name, so
 * `pg` prepares it once per connection and later executions skip parsing and
 * planning. Statements without parameters are never named: their text may
 * embed values and is rarely on a hot path.
 *
 * Named statements live on one server connection. PgBouncer in transaction
 * pooling mode before 1.21 hands the next transaction another connection,
 * where the name is unknown ("prepared statement does not exist"), hence
 * DATABASE_PREPARED_STATEMENTS defaults to false. PgBouncer 1.21 or later
 * with max_prepared_statements > 0, session pooling or a direct connection
 * are safe.
 *
 * NOTE: a migration that changes the columns of a table which a prepared
 * `SELECT *` reads makes PostgreSQL reject the next execution with "cached
 * plan must not change result type" until the connection is replaced.
 * Migrations run at start-up, before statements get hot, so only a
 * migration applied by another process while this one runs can hit it.
 */
class HotStatementNames {
  private readonly executions = new Map<string, number>();
  private readonly names = new Map<string, string>();

  nameFor(sql: string, parameterCount: number): string | undefined {
    if (parameterCount === 0) return undefined;
    const name = this.names.get(sql);
    if (name !== undefined) return name;

    const count = this.count(sql);
    if (count < HOT_STATEMENT_EXECUTIONS || this.names.size >= NAMED_STATEMENTS_MAX) {
      return undefined;
    }
    const created = `cr_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    this.names.set(sql, created);
    this.executions.delete(sql);
    return created;
  }

  private count(sql: string): number {
    const previous = this.executions.get(sql);
    if (previous === undefined && this.executions.size >= COUNTED_STATEMENTS_MAX) return 0;
    const count = (previous ?? 0) + 1;
    this.executions.set(sql, count);
    return count;
  }
}
