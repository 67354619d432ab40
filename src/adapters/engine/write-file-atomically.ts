import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Lets `write` fill a temporary file next to `targetPath`, then renames it
 * into place. The rename is atomic on one file system, so readers see
 * either no file or the complete one. On any failure the temporary file is
 * removed and nothing appears at `targetPath`.
 */
export async function writeFileAtomically(
  targetPath: string,
  write: (temporaryPath: string) => Promise<void>,
): Promise<void> {
  const directory = path.dirname(targetPath);
  const temporaryPath = path.join(directory, `.${path.basename(targetPath)}.${randomUUID()}.tmp`);
  await mkdir(directory, { recursive: true });

  try {
    await write(temporaryPath);
    await rename(temporaryPath, targetPath);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  }
}
