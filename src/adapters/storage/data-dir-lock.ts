import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../domain/errors/app-error.ts';

/**
 * Guards an embedded (PGlite) database against a second process: PGlite has
 * no locking of its own, and two writers would corrupt the data directory.
 */
export class DataDirLock {
  private constructor(private readonly file: string) {}

  static async acquire(dataDir: string, purpose: string): Promise<DataDirLock> {
    const file = path.join(dataDir, 'pglite.lock');
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(JSON.stringify({ pid: process.pid, purpose }));
      await handle.close();
      return new DataDirLock(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }

    const holder = await readHolder(file);
    if (holder && isAlive(holder.pid)) {
      throw new AppError(
        'CONFLICT',
        `Process ${holder.pid} (${holder.purpose}) already uses the embedded database in ${dataDir}. Stop it first, or set DATABASE_URL so several processes can share PostgreSQL.`,
      );
    }
    await rm(file, { force: true });
    return DataDirLock.acquire(dataDir, purpose);
  }

  async release(): Promise<void> {
    await rm(this.file, { force: true });
  }
}

async function readHolder(file: string): Promise<{ pid: number; purpose: string } | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as { pid: number; purpose: string };
  } catch {
    // An unreadable or half-written lock file is stale: its writer died mid-write.
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
