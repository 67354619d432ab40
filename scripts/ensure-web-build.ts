import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webRoot = path.join(repositoryRoot, 'web');
const defaultOutDir = path.join(webRoot, 'dist');
/** Sources the web app is built from: its own folder and the shared schemas it imports. */
const sourcePaths = [
  webRoot,
  path.join(repositoryRoot, 'src', 'domain'),
  path.join(repositoryRoot, 'src', 'interfaces', 'http', 'error-envelope.ts'),
];
const skippedFolders = new Set(['dist', 'node_modules']);

export interface WebBuildOptions {
  /** Output folder; defaults to web/dist. */
  outDir?: string;
  /** Marker shown in the app footer, to tell two builds apart; defaults to WEB_BUILD_ID or 'local'. */
  buildId?: string;
}

/**
 * Builds the web app with Vite's JS API into a sibling folder, then swaps it
 * in with two renames. A running server keeps serving the old build while
 * Vite runs, and `outDir` is missing only between the two renames.
 */
export async function buildWebApp(options: WebBuildOptions = {}): Promise<void> {
  const outDir = options.outDir ?? defaultOutDir;
  const nextDir = `${outDir}.next-${process.pid}`;
  const previousDir = `${outDir}.previous-${process.pid}`;
  await rm(nextDir, { recursive: true, force: true });
  await runViteBuild(nextDir, options.buildId ?? process.env.WEB_BUILD_ID ?? 'local');

  await rename(outDir, previousDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(nextDir, outDir);
  await rm(previousDir, { recursive: true, force: true });
}

async function runViteBuild(outDir: string, buildId: string): Promise<void> {
  // Vite picks React's development build when NODE_ENV is not 'production', as under vitest.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: path.join(webRoot, 'vite.config.ts'),
      mode: 'production',
      logLevel: 'warn',
      define: { __BUILD_ID__: JSON.stringify(buildId) },
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

async function newestModification(sourcePath: string): Promise<number> {
  const stats = await stat(sourcePath);
  if (!stats.isDirectory()) return stats.mtimeMs;

  let newest = 0;
  const entries = await readdir(sourcePath, { withFileTypes: true });
  for (const entry of entries) {
    // A build in progress or left by a killed build lives in dist.next-<pid> or dist.previous-<pid>.
    if (skippedFolders.has(entry.name) || entry.name.startsWith('dist.')) continue;
    newest = Math.max(newest, await newestModification(path.join(sourcePath, entry.name)));
  }
  return newest;
}

async function builtAt(outDir: string): Promise<number | null> {
  try {
    // sw.js is written last, after the app bundle, so its time marks a complete build.
    return (await stat(path.join(outDir, 'sw.js'))).mtimeMs;
  } catch {
    return null;
  }
}

/** Builds web/dist when it is missing or older than any source file; returns whether it built. */
export async function ensureWebBuild(outDir = defaultOutDir): Promise<boolean> {
  const built = await builtAt(outDir);
  const sourceTimes = await Promise.all(sourcePaths.map((source) => newestModification(source)));
  if (built !== null && built >= Math.max(...sourceTimes)) return false;

  await buildWebApp({ outDir });
  return true;
}

/** Runs ensureWebBuild and prints whether it built, with the time it took. */
export async function ensureWebBuildWithReport(): Promise<void> {
  const started = performance.now();
  const built = await ensureWebBuild();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    built
      ? `Built the web app into web/dist in ${seconds} s.\n`
      : 'The web app in web/dist is up to date.\n',
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await ensureWebBuildWithReport();
}
