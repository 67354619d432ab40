import helmet from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';

/** HSTS max-age in seconds: one year. */
const HSTS_MAX_AGE_SECONDS = 31_536_000;

/**
 * Builds the Content Security Policy of every response. Scripts and styles
 * load only from this origin, with no 'unsafe-inline' and no 'unsafe-eval'.
 * That works because the web app is built without inline scripts or style
 * elements (Vite emits files under /assets/). React sets `style` props
 * through the CSSOM, which CSP does not restrict. The service worker
 * (/sw.js) and the manifest are same-origin too. `connect-src 'self'` also
 * allows WebSocket connections to this host, because CSP Level 3 lets 'self'
 * match ws: and wss: URLs of the same host.
 */
function contentSecurityPolicy(https: boolean): Record<string, string[]> {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    'worker-src': ["'self'"],
    'manifest-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  // Over plain HTTP this directive would send every subresource to https://.
  if (https) directives['upgrade-insecure-requests'] = [];
  return directives;
}

/** Response headers of the probe that helmet did not set. */
const NON_HELMET_HEADERS = new Set([
  'content-type',
  'content-length',
  'date',
  'connection',
  'keep-alive',
]);

/**
 * Registers the usual security headers on every response, as @fastify/helmet
 * configures them: the CSP above, X-Content-Type-Options, Referrer-Policy,
 * Cross-Origin-Opener- and Resource-Policy, X-Frame-Options and the others.
 * HSTS only when the public URL is https, because a browser that saw it over
 * http://localhost would refuse plain HTTP there for a year.
 *
 * @fastify/helmet 13 rebuilds the helmet middleware, CSP included, on every
 * request, which cost about as much CPU as the rest of a cached GET. The
 * headers do not depend on the request, so this runs the plugin once on a
 * probe server, keeps the headers it set, and sets those on each response,
 * hijacked ones (MCP) included, as the plugin does.
 */
export async function registerSecurityHeaders(
  app: FastifyInstance,
  options: { publicUrl: string | undefined },
): Promise<void> {
  const headers = await probeHelmetHeaders(options.publicUrl?.startsWith('https://') ?? false);

  app.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of headers) reply.raw.setHeader(name, value);
    done();
  });
}

async function probeHelmetHeaders(https: boolean): Promise<[string, string][]> {
  const probe = Fastify({ logger: false });
  await probe.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(https) },
    strictTransportSecurity: https
      ? { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true }
      : false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  });
  probe.get('/', async () => '');

  try {
    const response = await probe.inject({ method: 'GET', url: '/' });
    return Object.entries(response.headers)
      .filter(([name]) => !NON_HELMET_HEADERS.has(name))
      .map(([name, value]) => [name, String(value)]);
  } finally {
    await probe.close();
  }
}
