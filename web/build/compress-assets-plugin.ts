import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin, ResolvedConfig } from 'vite';

const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|webmanifest|txt)$/;
/** Files smaller than this gain little from compression, so they get no siblings. */
const MIN_BYTES = 512;

async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Writes the .br and .gz siblings of one file, at maximum quality: build time is not served time. */
async function compressFile(file: string): Promise<void> {
  const content = await readFile(file);
  if (content.length < MIN_BYTES) return;

  const brotli = brotliCompressSync(content, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
    },
  });
  await writeFile(`${file}.br`, brotli);
  await writeFile(`${file}.gz`, gzipSync(content, { level: 9 }));
}

/**
 * Emits precompressed .br and .gz siblings of every text asset after the
 * build, including the service worker that vite-plugin-pwa writes in its own
 * closeBundle hook, so this one runs last.
 */
export function compressAssetsPlugin(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'cleanroom:compress-assets',
    apply: 'build',
    enforce: 'post',
    configResolved(resolved) {
      config = resolved;
    },
    closeBundle: {
      order: 'post',
      sequential: true,
      async handler() {
        const files = await listFiles(config.build.outDir);
        const targets = files.filter((file) => COMPRESSIBLE.test(file));
        await Promise.all(targets.map((file) => compressFile(file)));
      },
    },
  };
}
