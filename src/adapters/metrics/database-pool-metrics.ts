import type pg from 'pg';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PipelinedConnections } from '../storage/pipelined-connections.ts';

/**
 * Buckets of the connection wait histogram, in seconds. A free idle
 * connection is handed out in microseconds and opening a new one on a LAN
 * takes a few milliseconds, so the upper buckets only fill when the pool is
 * too small for the load.
 */
const WAIT_BUCKETS_SECONDS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];

/**
 * Prometheus metrics of one `pg` Pool: connections in use and idle, queries
 * waiting for a connection, the configured maximum, and how long each query
 * waited for its connection. With pipelined connections, also those
 * connections, their queries in flight, and single statements by the route
 * they took. Gauges are read at scrape time.
 */
export class DatabasePoolMetrics {
  private readonly waitSeconds: Histogram;
  private readonly pooledStatements: Counter.Internal;
  private readonly pipelinedStatements: Counter.Internal;

  constructor(
    registry: Registry,
    pool: pg.Pool,
    poolMax: number,
    pipelines: PipelinedConnections | null = null,
  ) {
    new Gauge({
      name: 'cleanroom_db_pool_connections',
      help: 'Connections of the PostgreSQL pool, by state (in_use, idle).',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
        this.set({ state: 'idle' }, pool.idleCount);
      },
    });
    new Gauge({
      name: 'cleanroom_db_pool_waiting_queries',
      help: 'Queries waiting for a free PostgreSQL pool connection.',
      registers: [registry],
      collect() {
        this.set(pool.waitingCount);
      },
    });
    new Gauge({
      name: 'cleanroom_db_pool_max_connections',
      help: 'Maximum size of the PostgreSQL pool (DATABASE_POOL_MAX).',
      registers: [registry],
    }).set(poolMax);
    this.waitSeconds = new Histogram({
      name: 'cleanroom_db_pool_wait_seconds',
      help: 'Time a query waited for a PostgreSQL pool connection, including opening a new one.',
      buckets: WAIT_BUCKETS_SECONDS,
      registers: [registry],
    });
    const statements = new Counter({
      name: 'cleanroom_db_statements_total',
      help: 'Single statements outside transactions, by the connection they took (pool, pipeline).',
      labelNames: ['connection'],
      registers: [registry],
    });
    this.pooledStatements = statements.labels('pool');
    this.pipelinedStatements = statements.labels('pipeline');
    // Both series exist from the start, so a scrape shows 0 rather than nothing.
    this.pooledStatements.inc(0);
    this.pipelinedStatements.inc(0);
    if (pipelines !== null) registerPipelineGauges(registry, pipelines);
  }

  observeWait(seconds: number): void {
    this.waitSeconds.observe(seconds);
  }

  countStatement(pipelined: boolean): void {
    (pipelined ? this.pipelinedStatements : this.pooledStatements).inc();
  }
}

function registerPipelineGauges(registry: Registry, pipelines: PipelinedConnections): void {
  new Gauge({
    name: 'cleanroom_db_pipeline_connections',
    help: 'Open PostgreSQL connections in pipeline mode (DATABASE_PIPELINE_CONNECTIONS at most).',
    registers: [registry],
    collect() {
      this.set(pipelines.state.connections);
    },
  });
  new Gauge({
    name: 'cleanroom_db_pipeline_queries_in_flight',
    help: 'Queries sent on pipelined PostgreSQL connections and not yet answered.',
    registers: [registry],
    collect() {
      this.set(pipelines.state.inFlight);
    },
  });
}
