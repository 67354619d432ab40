import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { STARTER_QUESTIONS } from '../src/pages/chat/starter-questions.ts';

/** The variant of index.html that the server sends signed-in browsers for the chat route (/). */
export const CHAT_SHELL_FILE = 'chat.html';

const shellTemplate = path.join(path.dirname(fileURLToPath(import.meta.url)), 'chat-shell.html');
const ROOT_ELEMENT = /<div id="root">[\s\S]*?<\/div>/;

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

function shellMarkup(buildId: string): string {
  const questions = STARTER_QUESTIONS.map(
    (question) => `<button type="button" disabled>${escapeHtml(question)}</button>`,
  ).join('\n        ');
  return readFileSync(shellTemplate, 'utf8')
    .trim()
    .replace('<!--starter-questions-->', questions)
    .replace('<!--build-id-->', escapeHtml(buildId));
}

/**
 * Emits chat.html: index.html with the chat page's first screen, as the app
 * renders it for a new conversation, in place of the boot text. The browser
 * paints that screen, its largest text included, as soon as the HTML
 * arrives, instead of after the scripts and the session have loaded (on the
 * bench's Slow 4G profile, about 1.5 s later). When the app renders, it
 * replaces the shell with the same layout plus the signed-in user's details.
 * The shell holds nothing about the user, so it can be cached like
 * index.html. Its links work without scripts; its buttons and the message
 * field stay disabled until the app replaces them, so no click or typing is
 * lost meanwhile.
 */
export function chatShellPlugin(): Plugin {
  let buildId = 'local';
  return {
    name: 'cleanroom:chat-shell',
    apply: 'build',
    configResolved(config) {
      const defined = config.define?.__BUILD_ID__;
      if (typeof defined === 'string') buildId = JSON.parse(defined) as string;
    },
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const index = bundle['index.html'];
        if (index?.type !== 'asset' || typeof index.source !== 'string') {
          this.error('index.html is not in the bundle, so chat.html cannot be built from it');
        }
        if (!ROOT_ELEMENT.test(index.source)) {
          this.error('index.html has no <div id="root"> element to prerender the chat shell into');
        }
        const shell = `<div id="root">${shellMarkup(buildId)}</div>`;
        this.emitFile({
          type: 'asset',
          fileName: CHAT_SHELL_FILE,
          source: index.source.replace(ROOT_ELEMENT, shell),
        });
      },
    },
  };
}
