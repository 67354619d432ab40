import type { Plugin, Rollup } from 'vite';

const STYLESHEET_LINK = /\s*<link rel="stylesheet"[^>]*\bhref="\/([^"]+\.css)"[^>]*>/g;

function stylesheetSource(bundle: Rollup.OutputBundle, fileName: string): string {
  const asset = bundle[fileName];
  if (asset?.type !== 'asset') throw new Error(`The stylesheet ${fileName} is not in the bundle`);
  const { source } = asset;
  return typeof source === 'string' ? source : new TextDecoder().decode(source);
}

/**
 * Puts the entry stylesheet into index.html as a style element at the end of
 * the head, and drops the file. The first paint then needs no second request,
 * which costs a whole round trip on a slow network, and the prerendered chat
 * shell paints styled. The server allows the element by its SHA-256 hash in
 * the Content Security Policy (src/interfaces/http/web-app-html.ts), so no
 * 'unsafe-inline' is needed. Lazy chunks' stylesheets stay files.
 */
export function inlineStylesheetPlugin(): Plugin {
  return {
    name: 'cleanroom:inline-stylesheet',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, context) {
        const bundle = context.bundle;
        if (bundle === undefined) return html;
        const styles: string[] = [];
        const withoutLinks = html.replace(STYLESHEET_LINK, (_link, fileName: string) => {
          styles.push(stylesheetSource(bundle, fileName).trim());
          delete bundle[fileName];
          return '';
        });
        if (styles.length === 0) return html;
        return withoutLinks.replace('</head>', `<style>${styles.join('\n')}</style>\n</head>`);
      },
    },
  };
}
