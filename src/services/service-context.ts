import type { ReadCache } from '../adapters/cache/read-cache.ts';
import type { CleanRoomEngine } from '../adapters/engine/engine.ts';
import type { DatasetStore } from '../adapters/dataset-store/dataset-store.ts';
import type { Logger } from '../adapters/logging/logger.ts';
import type { PubSubTopic } from '../adapters/pubsub/pubsub-topic.ts';
import type { RunEventBus } from '../adapters/pubsub/run-event-bus.ts';
import type { JobQueue } from '../adapters/queue/job-queue.ts';
import type { Database, Queryable } from '../adapters/storage/database.ts';
import type { AnswerStopMessage } from '../domain/chat/answer-stop-message.ts';
import { ApiKeysRepository } from '../adapters/storage/repositories/api-keys-repository.ts';
import { AuditRepository } from '../adapters/storage/repositories/audit-repository.ts';
import { ChatMessagesRepository } from '../adapters/storage/repositories/chat-messages-repository.ts';
import { CleanRoomsRepository } from '../adapters/storage/repositories/clean-rooms-repository.ts';
import { ConversationsRepository } from '../adapters/storage/repositories/conversations-repository.ts';
import { DatasetsRepository } from '../adapters/storage/repositories/datasets-repository.ts';
import { OrganizationsRepository } from '../adapters/storage/repositories/organizations-repository.ts';
import { PartnersRepository } from '../adapters/storage/repositories/partners-repository.ts';
import { PushSubscriptionsRepository } from '../adapters/storage/repositories/push-subscriptions-repository.ts';
import { QuestionsRepository } from '../adapters/storage/repositories/questions-repository.ts';
import { ResultsRepository } from '../adapters/storage/repositories/results-repository.ts';
import { RunsRepository } from '../adapters/storage/repositories/runs-repository.ts';
import { SessionsRepository } from '../adapters/storage/repositories/sessions-repository.ts';
import { UsersRepository } from '../adapters/storage/repositories/users-repository.ts';
import type { WebAccess } from './auth/web-access.ts';
import type { RunSignals } from './runs/run-signals.ts';
import type { ChatRuntime } from './chat/chat-runtime.ts';

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
  /** Stops of chat answers written by another web process, and their confirmations. */
  answerStops: PubSubTopic<AnswerStopMessage>;
  settings: ServiceSettings;
  log: Logger;
  /** Cache of list and detail reads and API key lookups; writes invalidate its tags. */
  cache: ReadCache;
  /** The chat assistant's model and limits; the offline intent engine when absent. */
  chat?: ChatRuntime;
  /** Web app sign-in (sessions, login throttle) and Web Push; absent in contexts built without them. */
  webAccess?: WebAccess;
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
    users: new UsersRepository(db),
    sessions: new SessionsRepository(db),
    pushSubscriptions: new PushSubscriptionsRepository(db),
    conversations: new ConversationsRepository(db),
    chatMessages: new ChatMessagesRepository(db),
  };
}

export type Repositories = ReturnType<typeof repositories>;
