import type { CleanRoomEngine } from '../adapters/engine/engine.ts';
import type { DatasetStore } from '../adapters/dataset-store/dataset-store.ts';
import type { Logger } from '../adapters/logging/logger.ts';
import type { RunEventBus } from '../adapters/pubsub/run-event-bus.ts';
import type { JobQueue } from '../adapters/queue/job-queue.ts';
import type { Database, Queryable } from '../adapters/storage/database.ts';
import { ApiKeysRepository } from '../adapters/storage/repositories/api-keys-repository.ts';
import { AuditRepository } from '../adapters/storage/repositories/audit-repository.ts';
import { CleanRoomsRepository } from '../adapters/storage/repositories/clean-rooms-repository.ts';
import { DatasetsRepository } from '../adapters/storage/repositories/datasets-repository.ts';
import { OrganizationsRepository } from '../adapters/storage/repositories/organizations-repository.ts';
import { PartnersRepository } from '../adapters/storage/repositories/partners-repository.ts';
import { QuestionsRepository } from '../adapters/storage/repositories/questions-repository.ts';
import { ResultsRepository } from '../adapters/storage/repositories/results-repository.ts';
import { RunsRepository } from '../adapters/storage/repositories/runs-repository.ts';
import type { RunSignals } from './runs/run-signals.ts';

export interface ServiceSettings {
  /** Largest page any list returns. */
  pageSizeMax: number;
  /** Largest result a run may produce, in rows. */
  resultRowsMax: number;
  importMaxInvalidRows: number;
  /** Lowest crowd size (k-min) any clean room may use. */
  minCrowdSize: number;
  uploadMaxBytes: number;
}

/** Everything a service needs besides the caller; built once per process. */
export interface ServiceContext {
  db: Database;
  engine: CleanRoomEngine;
  queue: JobQueue;
  datasetStore: DatasetStore;
  runSignals: RunSignals;
  /** Status and progress changes of runs, for live views and MCP subscriptions. */
  runEvents: RunEventBus;
  settings: ServiceSettings;
  log: Logger;
}

/** Builds the repositories over one connection or transaction. */
export function repositories(db: Queryable) {
  return {
    organizations: new OrganizationsRepository(db),
    apiKeys: new ApiKeysRepository(db),
    cleanRooms: new CleanRoomsRepository(db),
    partners: new PartnersRepository(db),
    datasets: new DatasetsRepository(db),
    questions: new QuestionsRepository(db),
    runs: new RunsRepository(db),
    results: new ResultsRepository(db),
    audit: new AuditRepository(db),
  };
}

export type Repositories = ReturnType<typeof repositories>;
