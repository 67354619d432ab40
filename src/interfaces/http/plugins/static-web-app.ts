import { stat } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../../adapters/logging/logger.ts';
import { SESSION_COOKIE } from '../../../services/auth/session-cookie.ts';
import { appendVary } from './caching-headers.ts';
import { allowStyles, HtmlStyleHashes } from './web-app-html.ts';

/** Paths the web app never serves: API, MCP, WebSocket and operational endpoints keep their JSON 404. */
const RESERVED_PREFIXES = ['/api', '/mcp', '/ws', '/metrics', '/health', '/.well-known'];
/** Vite writes content-hashed file names here, so a file's bytes never change under its name. */
const HASHED_ASSETS_DIRECTORY = 'assets';
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Revalidate on every use: index.html, sw.js, the manifest and icons keep their names across deploys. */
const REVALIDATE = 'no-cache';
/** The app's entry document, served for client-side routes and offline. */
const INDEX_FILE = 'index.html';
/** index.html with the chat page's first screen prerendered (web/build/chat-shell-plugin.ts). */
const CHAT_SHELL_FILE = 'chat.html';

export interface StaticWebAppOptions {
  /** Directory of the built web app (WEB_DIST_DIR). */
  directory: string;
  log: Logger;
}

/**
 * Serves the built single-page app from `directory`:
 * - files under /assets/ with `Cache-Control: public, max-age=31536000, immutable`;
 * - every other file (index.html, sw.js, manifest.webmanifest, icons) with `no-cache`;
 * - index.html for any other GET that a browser navigation sends (the SPA's
 *   client-side routes), but not for reserved API paths nor for missing files
 *   with an extension, which get a 404;
 * - chat.html instead, when the navigation is to the chat route (/) and
 *   carries a session cookie, so a signed-in user sees the chat page's first
 *   screen before the scripts load. A signed-out one gets the boot text
 *   until the sign-in page renders, instead of a chat page that then goes
 *   away. Such responses get `Vary: Cookie`.
 * HTML files get the Content Security Policy with the hashes of their style
 * elements added to style-src (the build inlines the entry stylesheet).
 * A `.br` or `.gz` sibling is sent when the client accepts that encoding, so
 * the compression plugin passes the file through untouched. Files are looked
 * up per request, so replacing the directory's contents (a deploy) takes
 * effect at once. When the directory does not exist, nothing is served.
 */
export async function registerStaticWebApp(
  app: FastifyInstance,
  options: StaticWebAppOptions,
): Promise<void> {
  const root = path.resolve(options.directory);
  if (!(await isDirectory(root))) {
    options.log.info({ directory: root }, 'web app directory not found; not serving the web app');
    return;
  }

  await app.register(fastifyStatic, {
    root,
    serve: false,
    preCompressed: true,
    cacheControl: false,
    setHeaders: (reply, filePath) => {
      reply.header('cache-control', isHashedAsset(root, filePath) ? IMMUTABLE : REVALIDATE);
    },
  });
  const styleHashes = new HtmlStyleHashes();
  app.get('/*', { schema: { hide: true } }, (request, reply) =>
    serveWebApp(root, styleHashes, request, reply),
  );
}

async function serveWebApp(
  root: string,
  styleHashes: HtmlStyleHashes,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const pathname = decodePathname(request.url);
  if (pathname === null || RESERVED_PREFIXES.some((prefix) => isUnder(pathname, prefix))) {
    return reply.callNotFound();
  }

  const relative = toRelativePath(root, pathname);
  if (relative === null) return reply.callNotFound();
  if (relative !== '' && (await isFile(path.join(root, relative)))) {
    return sendWebAppFile(root, styleHashes, relative.split(path.sep).join('/'), reply);
  }
  if (!isNavigation(request, pathname)) return reply.callNotFound();
  if (pathname !== '/') return sendWebAppFile(root, styleHashes, INDEX_FILE, reply);

  appendVary(reply, ['Cookie']);
  const signedIn = request.cookies?.[SESSION_COOKIE] !== undefined;
  const file =
    signedIn && (await isFile(path.join(root, CHAT_SHELL_FILE))) ? CHAT_SHELL_FILE : INDEX_FILE;
  return sendWebAppFile(root, styleHashes, file, reply);
}

/**
 * Sends a file of the built app, and allows the style elements of an HTML
 * file by hash. A deploy between the hashing and the sending can pair one
 * build's policy with the other build's file, which the next load corrects.
 */
async function sendWebAppFile(
  root: string,
  styleHashes: HtmlStyleHashes,
  file: string,
  reply: FastifyReply,
) {
  const policy = reply.raw.getHeader('content-security-policy');
  if (file.endsWith('.html') && typeof policy === 'string') {
    const hashes = await styleHashes.hashesOf(path.join(root, file)).catch(() => []);
    reply.raw.setHeader('content-security-policy', allowStyles(policy, hashes));
  }
  return reply.sendFile(file);
}

function decodePathname(url: string): string | null {
  try {
    return decodeURIComponent(url.split('?')[0] ?? '/');
  } catch {
    return null;
  }
}

function isUnder(pathname: string, prefix: string): boolean {
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}

/** Returns the request path relative to root, or null when it leaves root or names a hidden file. */
function toRelativePath(root: string, pathname: string): string | null {
  const relative = path.relative(root, path.resolve(root, `.${pathname}`));
  if (relative.startsWith('..') || path.isAbsolute(relative)) return null;
  if (relative.split(path.sep).some((segment) => segment.startsWith('.'))) return null;
  return relative;
}

async function isFile(file: string): Promise<boolean> {
  const stats = await stat(file).catch(() => null);
  return stats?.isFile() ?? false;
}

/** Checks for a browser navigation: a GET for HTML to a path without a file extension (a client-side route). */
function isNavigation(request: FastifyRequest, pathname: string): boolean {
  const accept = request.headers.accept ?? '';
  const hasExtension = path.posix.extname(pathname) !== '';
  return !hasExtension && (accept === '' || accept.includes('text/html') || accept.includes('*/*'));
}

function isHashedAsset(root: string, filePath: string): boolean {
  const relative = path.relative(root, filePath).split(path.sep);
  return relative.length > 1 && relative[0] === HASHED_ASSETS_DIRECTORY;
}

async function isDirectory(directory: string): Promise<boolean> {
  const stats = await stat(directory).catch(() => null);
  return stats?.isDirectory() ?? false;
}
