import { randomUUID } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Caller } from '../../domain/organizations/caller.ts';
import {
  generateDemoDatasets,
  type DemoDataset,
  type DemoDatasetOwner,
} from '../../seed/generate-demo-datasets.ts';
import { createApiKey } from '../api-keys/create-api-key.ts';
import { generatePassword, hashPassword } from '../auth/password-hash.ts';
import { createCleanRoom } from '../clean-rooms/create-clean-room.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { saveDemoCredentials, type DemoCredential } from './demo-credentials.ts';
import { demoCleanRooms, demoOrganizations, seedScales } from './demo-workspace-plan.ts';

export interface SeedOptions {
  size: keyof typeof seedScales;
  dataDir: string;
  /** Last day of the demo's 30-day window, YYYY-MM-DD; defaults to today (UTC). */
  endDate?: string;
  threads?: number;
  onProgress?: (step: string, percent: number) => void;
}

export type SeedOutcome =
  { seeded: false } | { seeded: true; credentials: DemoCredential[]; datasets: number };

/**
 * Seeds the demo workspace into an empty database: an advertiser, a publisher
 * and a retailer, each with a user, an API key and a password, generated datasets, and
 * two clean rooms. Does nothing when any organization exists.
 */
export async function seedDemoWorkspace(
  context: ServiceContext,
  options: SeedOptions,
): Promise<SeedOutcome> {
  const repos = repositories(context.db);
  if ((await repos.organizations.countOrganizations()) > 0) return { seeded: false };

  const staging = path.join(context.datasetStore.root, `.seed-${randomUUID()}`);
  try {
    const datasets = await generateDemoDatasets({
      directory: staging,
      scale: seedScales[options.size],
      endDate: options.endDate ?? new Date().toISOString().slice(0, 10),
      threads: options.threads,
      onProgress: options.onProgress,
    });
    const callers = await createOrganizations(context);
    const datasetIds = await registerDatasets(context, callers, datasets);
    await createRooms(context, callers, datasetIds);
    const credentials = await createCredentials(context, callers);
    await saveDemoCredentials(options.dataDir, credentials);
    options.onProgress?.('workspace', 100);
    return { seeded: true, credentials, datasets: datasets.length };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

type Callers = Record<DemoDatasetOwner, Caller>;

async function createOrganizations(context: ServiceContext): Promise<Callers> {
  const repos = repositories(context.db);
  const entries = await Promise.all(
    (Object.keys(demoOrganizations) as DemoDatasetOwner[]).map(async (owner) => {
      const plan = demoOrganizations[owner];
      const organizationId = randomUUID();
      const userId = randomUUID();
      await repos.organizations.insertOrganization({
        id: organizationId,
        name: plan.name,
        kind: plan.kind,
      });
      await repos.organizations.insertUser({
        id: userId,
        organization_id: organizationId,
        email: plan.adminEmail,
        name: plan.adminName,
        role: 'ADMIN',
      });
      return [owner, { organizationId, userId, apiKeyId: null, role: 'ADMIN' }] as const;
    }),
  );
  return Object.fromEntries(entries) as Callers;
}

/** Moves each generated file into the dataset store and describes it in the database. */
async function registerDatasets(
  context: ServiceContext,
  callers: Callers,
  datasets: DemoDataset[],
) {
  const repos = repositories(context.db);
  const ids = new Map<string, string>();
  for (const dataset of datasets) {
    const caller = callers[dataset.owner];
    const id = randomUUID();
    const location = await context.datasetStore.prepareDatasetPath(caller.organizationId, id);
    await rename(dataset.location, location);
    await repos.datasets.insert({
      id,
      organizationId: caller.organizationId,
      name: dataset.name,
      description: dataset.description,
      dataType: dataset.dataType,
      columns: dataset.columns,
      rowCount: dataset.rowCount,
      sizeBytes: dataset.sizeBytes,
      storageLocation: location,
      importReport: generatedReport(dataset),
      createdBy: caller.userId,
    });
    ids.set(dataset.key, id);
  }
  return ids;
}

function generatedReport(dataset: DemoDataset) {
  return {
    format: 'PARQUET' as const,
    sourceBytes: dataset.sizeBytes,
    rowCount: dataset.rowCount,
    invalidRowCount: 0,
    errors: [],
    errorsTruncated: false,
    detected: null,
    durationMs: 0,
  };
}

async function createRooms(
  context: ServiceContext,
  callers: Callers,
  datasetIds: Map<string, string>,
) {
  const repos = repositories(context.db);
  for (const plan of demoCleanRooms) {
    const room = await createCleanRoom(context, callers[plan.owner], {
      name: plan.name,
      description: plan.description,
      type: 'Hybrid',
    });
    for (const partner of plan.partners) {
      await repos.partners.insert({
        id: randomUUID(),
        cleanRoomId: room.id,
        organizationId: callers[partner.organization].organizationId,
        role: partner.role,
      });
    }
    for (const key of plan.datasets) {
      const datasetId = datasetIds.get(key);
      if (datasetId) await repos.datasets.attach(room.id, datasetId);
    }
  }
}

async function createCredentials(
  context: ServiceContext,
  callers: Callers,
): Promise<DemoCredential[]> {
  const credentials: DemoCredential[] = [];
  for (const owner of Object.keys(callers) as DemoDatasetOwner[]) {
    const key = await createApiKey(context.db, callers[owner], 'Demo key');
    const password = generatePassword();
    await repositories(context.db).users.setPasswordHash(
      callers[owner].userId,
      await hashPassword(password),
    );
    credentials.push({
      organization: demoOrganizations[owner].name,
      email: demoOrganizations[owner].adminEmail,
      apiKey: key.key,
      password,
    });
  }
  return credentials;
}
