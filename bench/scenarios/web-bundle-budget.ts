import { existsSync } from 'node:fs';
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
 * Returns the path of the first route's HTML document: chat.html, which a
 * signed-in browser gets at /, or index.html in a build without it.
 */
function firstRouteDocument(distDir: string): string {
  for (const name of ['chat.html', 'index.html']) {
    if (existsSync(path.join(distDir, name))) return `/${name}`;
  }
  throw new Error(
    `chat.html and index.html are missing from ${distDir}: build the web app there first`,
  );
}

/**
 * Measures the initial route's JS and CSS compressed the way the build
 * precompresses them (brotli quality 11, gzip level 9), with the whole HTML
 * document, because the build inlines the entry stylesheet there. The
 * figures depend only on the built bytes, so CI can gate on them.
 */
export async function measureInitialRoute(distDir: string): Promise<InitialRouteFile[]> {
  const document = firstRouteDocument(distDir);
  const html = await readFile(path.join(distDir, document), 'utf8');
  const files = listInitialRouteFiles(html);
  if (files.length === 0) throw new Error(`No script or stylesheet found in ${distDir}${document}`);

  return Promise.all(
    [document, ...files].map(async (file) => {
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
