import { DuckDBInstance } from '@duckdb/node-api';
import { z } from 'zod';
import type { CleanRoomEngine, RunQuestionInput } from '../../src/adapters/engine/engine.ts';
import { createDuckDbEngine } from '../../src/adapters/engine/duckdb-engine.ts';
import { createLogger } from '../../src/adapters/logging/logger.ts';
import { DatasetColumnSchema } from '../../src/domain/datasets/dataset.ts';
import { serveBenchRequests } from '../lib/child-protocol.ts';
import { plainOverlapSql, readEngineOverlapRows, type OverlapRow } from './overlap-queries.ts';

const BoundParquetSchema = z.object({
  datasetId: z.string(),
  location: z.string(),
  columns: z.array(DatasetColumnSchema),
});

const OverlapRequestSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('open'),
    myAudience: BoundParquetSchema,
    partnerAudience: BoundParquetSchema,
    attribute: z.string(),
    crowdSize: z.number().int().positive(),
    threads: z.number().int().positive(),
    tempDirectory: z.string(),
  }),
  z.object({ kind: z.literal('engine') }),
  z.object({ kind: z.literal('plain') }),
]);
export type OverlapRequest = z.infer<typeof OverlapRequestSchema>;
type OpenRequest = Extract<OverlapRequest, { kind: 'open' }>;

export interface OverlapTiming {
  /** Wall time of one overlap query, measured in this process. */
  durationMs: number;
  rows: OverlapRow[];
}

interface OpenState {
  engine: CleanRoomEngine;
  plain: DuckDBInstance;
  question: RunQuestionInput;
  plainSql: string;
}

const log = createLogger('warn', 2);
let state: OpenState | null = null;

async function open(request: OpenRequest): Promise<OpenState> {
  const engine = await createDuckDbEngine({
    threads: request.threads,
    tempDirectory: request.tempDirectory,
    log,
  });
  const plain = await DuckDBInstance.create(':memory:', { threads: String(request.threads) });
  const question: RunQuestionInput = {
    template: 'audience_overlap',
    parameters: { attribute: request.attribute },
    datasets: [
      { macro: '@my_audience', ...request.myAudience },
      { macro: '@partner_audience', ...request.partnerAudience },
    ],
    privacy: { crowdSize: request.crowdSize, noise: { enabled: false, scale: 0 }, noiseSeed: null },
    maxRows: 100_000,
  };
  const plainSql = plainOverlapSql({
    myAudiencePath: request.myAudience.location,
    partnerAudiencePath: request.partnerAudience.location,
    attribute: request.attribute,
    crowdSize: request.crowdSize,
  });
  return { engine, plain, question, plainSql };
}

async function runEngine(current: OpenState): Promise<OverlapTiming> {
  const started = performance.now();
  const result = await current.engine.runQuestion(current.question);
  const durationMs = performance.now() - started;
  return { durationMs, rows: readEngineOverlapRows(result) };
}

/** Runs the hand-written query on a fresh connection, as the engine uses one per run. */
async function runPlain(current: OpenState): Promise<OverlapTiming> {
  const started = performance.now();
  const connection = await current.plain.connect();
  const reader = await connection.runAndReadAll(current.plainSql);
  const rows = reader.getRowObjectsJS();
  connection.closeSync();
  const durationMs = performance.now() - started;
  return {
    durationMs,
    rows: rows.map((row) => ({
      attributeValue: String(row.attribute_value),
      matchedCount: Number(row.matched_count),
      partnerCount: Number(row.partner_count),
    })),
  };
}

function requireOpen(): OpenState {
  if (state === null) throw new Error('Send an open request before timing a query');
  return state;
}

serveBenchRequests(
  async (payload) => {
    const request = OverlapRequestSchema.parse(payload);
    switch (request.kind) {
      case 'open':
        state = await open(request);
        return null;
      case 'engine':
        return runEngine(requireOpen());
      case 'plain':
        return runPlain(requireOpen());
    }
  },
  async () => {
    await state?.engine.close();
    state?.plain.closeSync();
  },
);
