import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';

const STYLE_ELEMENT = /<style>([\s\S]*?)<\/style>/g;

/** CSP source expressions (`'sha256-…'`) that allow the style elements of an HTML document. */
export function styleElementHashes(html: string): string[] {
  return [...html.matchAll(STYLE_ELEMENT)].map(
    (match) =>
      `'sha256-${createHash('sha256')
        .update(match[1] ?? '')
        .digest('base64')}'`,
  );
}

/**
 * Adds source expressions to the style-src directive of a serialized
 * Content Security Policy, or adds the directive when it is missing.
 */
export function allowStyles(policy: string, sources: readonly string[]): string {
  if (sources.length === 0) return policy;
  const directives = policy
    .split(';')
    .map((directive) => directive.trim())
    .filter((directive) => directive.length > 0);
  const index = directives.findIndex((directive) => /^style-src(\s|$)/i.test(directive));
  if (index === -1) return [...directives, `style-src ${sources.join(' ')}`].join(';');
  directives[index] = `${directives[index]} ${sources.join(' ')}`;
  return directives.join(';');
}

interface CachedHashes {
  modifiedMs: number;
  size: number;
  hashes: string[];
}

/**
 * The style element hashes of the web app's HTML files, read again when a
 * file's modification time or size changes, so a deploy that replaces the
 * files takes effect at once, as it does for the files themselves.
 */
export class HtmlStyleHashes {
  readonly #cache = new Map<string, CachedHashes>();

  async hashesOf(file: string): Promise<string[]> {
    const stats = await stat(file);
    const cached = this.#cache.get(file);
    if (cached?.modifiedMs === stats.mtimeMs && cached.size === stats.size) return cached.hashes;
    const hashes = styleElementHashes(await readFile(file, 'utf8'));
    this.#cache.set(file, { modifiedMs: stats.mtimeMs, size: stats.size, hashes });
    return hashes;
  }
}
