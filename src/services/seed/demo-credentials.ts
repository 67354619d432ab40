import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface DemoCredential {
  organization: string;
  email: string;
  apiKey: string;
  /** Password of the user, for the web app's sign-in; absent in files written before sign-in existed. */
  password?: string;
}

const FILE_NAME = 'demo-credentials.json';

/**
 * Writes the demo API keys and passwords to a file under DATA_DIR readable by
 * its owner only, because the database stores them as hashes and could not
 * show them again.
 */
export async function saveDemoCredentials(
  dataDir: string,
  credentials: DemoCredential[],
): Promise<void> {
  const target = path.join(dataDir, FILE_NAME);
  const temporary = `${target}.tmp`;
  await writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, target);
}

/** Reads the demo API keys; an empty list when the workspace was not seeded here. */
export async function readDemoCredentials(dataDir: string): Promise<DemoCredential[]> {
  try {
    return JSON.parse(await readFile(path.join(dataDir, FILE_NAME), 'utf8')) as DemoCredential[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
