import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export interface InitialRouteFile {
  path: string;
  rawBytes: number;
  brotliBytes: number;
  gzipBytes: number;
}

/**
 * Files the browser fetches before the first route renders, read from the
 * built index.html: the entry script, its modulepreload links and the
 * stylesheets. Lazy route chunks and the service worker are not part of it.
 */
export function listInitialRouteFiles(indexHtml: string): string[] {
  const pattern =
    /<(?:script[^>]*\bsrc|link[^>]*\brel="(?:modulepreload|stylesheet)"[^>]*\bhref)="(\/[^"]+\.(?:js|css))"/g;
  const hrefFirst =
    /<link[^>]*\bhref="(\/[^"]+\.(?:js|css))"[^>]*\brel="(?:modulepreload|stylesheet)"/g;
  const files = new Set<string>();
  for (const match of indexHtml.matchAll(pattern)) files.add(match[1] as string);
  for (const match of indexHtml.matchAll(hrefFirst)) files.add(match[1] as string);
  return [...files];
}

/**
 * Measures the initial route's JS and CSS compressed the way the build
 * precompresses them (brotli quality 11, gzip level 9). The figures depend
 * only on the built bytes, so CI can gate on them.
 */
export async function measureInitialRoute(distDir: string): Promise<InitialRouteFile[]> {
  const indexHtml = await readFile(path.join(distDir, 'index.html'), 'utf8');
  const files = listInitialRouteFiles(indexHtml);
  if (files.length === 0) throw new Error(`No script or stylesheet found in ${distDir}/index.html`);

  return Promise.all(
    files.map(async (file) => {
      const content = await readFile(path.join(distDir, file));
      const brotli = brotliCompressSync(content, {
        params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY },
      });
      return {
        path: file,
        rawBytes: content.length,
        brotliBytes: brotli.length,
        gzipBytes: gzipSync(content, { level: 9 }).length,
      };
    }),
  );
}
