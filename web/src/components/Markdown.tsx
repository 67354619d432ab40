import DOMPurify, { type Config } from 'dompurify';
import { Marked } from 'marked';
import { useMemo } from 'react';

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Markdown without raw HTML or images. HTML in the text (a clean room named
 * `<img src=x onerror=...>`) is shown as the text it is, and an image shows
 * its alt text: an image from another origin would be blocked by the CSP
 * (`img-src 'self'`) and could track who reads the answer.
 */
const markdown = new Marked({
  async: false,
  gfm: true,
  breaks: false,
  renderer: {
    html: ({ text }) => escapeHtml(text),
    image({ text, tokens }) {
      const alt = tokens ? this.parser.parseInline(tokens, this.parser.textRenderer) : text;
      return escapeHtml(alt);
    },
  },
});

/**
 * The elements and attributes marked produces from markdown, and nothing
 * else, so no style, event handler, form, media or frame reaches the page.
 * DOMPurify's own defaults allow `<style>` and `<video src>`, which the CSP
 * would then block and report.
 */
const SANITIZE_CONFIG: Config = {
  ALLOWED_TAGS: [
    'a',
    'blockquote',
    'br',
    'code',
    'del',
    'em',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'hr',
    'li',
    'ol',
    'p',
    'pre',
    'strong',
    'table',
    'tbody',
    'td',
    'th',
    'thead',
    'tr',
    'ul',
  ],
  ALLOWED_ATTR: ['href', 'title', 'align', 'start'],
  // Allows http(s), mailto, same-origin paths and fragments, so javascript:, data: and protocol-relative URLs are dropped.
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|\/(?!\/)|#)/i,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
};

/** Converts assistant markdown to HTML that is safe to insert and passes the page's CSP. */
export function renderMarkdown(text: string): string {
  const raw = markdown.parse(text) as string;
  return DOMPurify.sanitize(raw, SANITIZE_CONFIG);
}

/**
 * Renders assistant markdown. The HTML goes through DOMPurify before it
 * reaches the DOM, because model output can contain any markup.
 */
export default function Markdown({ text }: { text: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
