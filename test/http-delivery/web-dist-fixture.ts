import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

/** Hashed asset name, as Vite would write it. */
export const ASSET_PATH = '/assets/index-3f9a1c2b.js';

export interface WebDistFixture {
  directory: string;
  /** Uncompressed body of ASSET_PATH. */
  assetSource: string;
  /** Replaces index.html, as a deploy that swaps the directory's contents would. */
  deployIndex(marker: string): Promise<void>;
  remove(): Promise<void>;
}

/** Returns the body of index.html. `marker` distinguishes two deploys. */
export function indexHtml(marker: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Cleanroom Copilot</title>
    <link rel="manifest" href="/manifest.webmanifest" />
    <script type="module" src="${ASSET_PATH}"></script>
  </head>
  <body data-build="${marker}"><div id="root"></div></body>
</html>
`;
}

/**
 * Writes a built web app into a temporary directory: index.html, a hashed
 * script under assets/ with .br and .gz siblings, sw.js and a manifest. The
 * script is larger than the compression threshold so that its encodings matter.
 */
export async function createWebDist(marker = 'first'): Promise<WebDistFixture> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'cleanroom-web-dist-'));
  const assetSource = `${'export const rows = [];\n'.repeat(200)}document.body.dataset.ready = 'yes';\n`;
  const assetFile = path.join(directory, ASSET_PATH);

  await mkdir(path.dirname(assetFile), { recursive: true });
  await writeFile(assetFile, assetSource);
  await writeFile(`${assetFile}.br`, brotliCompressSync(assetSource));
  await writeFile(`${assetFile}.gz`, gzipSync(assetSource));
  await writeFile(path.join(directory, 'index.html'), indexHtml(marker));
  await writeFile(path.join(directory, 'sw.js'), "self.addEventListener('fetch', () => {});\n");
  await writeFile(
    path.join(directory, 'manifest.webmanifest'),
    JSON.stringify({ name: 'Cleanroom Copilot', start_url: '/' }),
  );

  return {
    directory,
    assetSource,
    deployIndex: (next) => writeFile(path.join(directory, 'index.html'), indexHtml(next)),
    remove: () => rm(directory, { recursive: true, force: true }),
  };
}
