import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, quotedString } from '@duckdb/node-api';
import { pino } from 'pino';
import { createDuckDbEngine } from '../../src/adapters/engine/duckdb-engine.ts';
import type { CleanRoomEngine } from '../../src/adapters/engine/engine.ts';

export const silentLog = pino({ level: 'silent' });

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A fresh directory under the OS temp directory and an engine whose spill files go there. */
export interface EngineSandbox {
  directory: string;
  engine: CleanRoomEngine;
  file(name: string): string;
  cleanup(): Promise<void>;
}

export async function createEngineSandbox(): Promise<EngineSandbox> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'cleanroom-engine-'));
  const engine = await createDuckDbEngine({
    threads: 2,
    memoryLimit: '512MB',
    tempDirectory: path.join(directory, 'spill'),
    log: silentLog,
  });
  return {
    directory,
    engine,
    file: (name) => path.join(directory, name),
    cleanup: async () => {
      await engine.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Lists the files in `directory` except the engine's spill directory. */
export async function listFiles(directory: string): Promise<string[]> {
  const names = await readdir(directory);
  return names.filter((name) => name !== 'spill').sort();
}

/**
 * Runs SQL on a DuckDB instance separate from the engine under test, so the
 * tests check the engine's output with an independent reader.
 */
export async function queryDuckDb(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`SET TimeZone = 'UTC'`);
    const reader = await connection.runAndReadAll(sql);
    return reader
      .getRowObjectsJS()
      .map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([name, value]) => [
            name,
            typeof value === 'bigint' ? Number(value) : value,
          ]),
        ),
      );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export async function readParquetRows(parquetPath: string): Promise<Record<string, unknown>[]> {
  return queryDuckDb(`SELECT * FROM read_parquet(${quotedString(parquetPath)})`);
}

/**
 * Writes rows to a Parquet file with the given DuckDB column types, through
 * a newline-delimited JSON file so that any text value survives.
 */
export async function writeParquet(
  parquetPath: string,
  columns: Record<string, string>,
  rows: Record<string, string | number | null>[],
): Promise<void> {
  const jsonPath = `${parquetPath}.jsonl`;
  await writeFile(jsonPath, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
  const columnTypes = Object.entries(columns)
    .map(([name, type]) => `${quotedString(name)}: ${quotedString(type)}`)
    .join(', ');
  await queryDuckDb(
    `COPY (SELECT * FROM read_json(${quotedString(jsonPath)}, format = 'newline_delimited', columns = {${columnTypes}})) TO ${quotedString(parquetPath)} (FORMAT parquet)`,
  );
  await rm(jsonPath);
}

/** Deterministic pseudo-random integers for generated test data (mulberry32). */
export function createRandom(seed: number): (maxExclusive: number) => number {
  let state = seed >>> 0;
  return (maxExclusive) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % maxExclusive;
  };
}
