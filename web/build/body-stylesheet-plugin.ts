import type { Plugin } from 'vite';

const STYLESHEET_LINK = /\s*<link rel="stylesheet"[^>]*>/g;

/**
 * Moves the built stylesheet links from the head to the end of the body. A
 * stylesheet in the head blocks the first paint until it has loaded, while in
 * the body Chromium paints the content before it (the boot text) first. That
 * saves a round trip of first paint on slow networks. The CSP forbids the
 * other usual remedy, inlining the critical CSS.
 */
export function bodyStylesheetPlugin(): Plugin {
  return {
    name: 'cleanroom:body-stylesheet',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        const links = html.match(STYLESHEET_LINK) ?? [];
        if (links.length === 0) return html;
        const withoutLinks = html.replace(STYLESHEET_LINK, '');
        return withoutLinks.replace(
          '</body>',
          `${links.map((link) => link.trim()).join('\n')}\n</body>`,
        );
      },
    },
  };
}
