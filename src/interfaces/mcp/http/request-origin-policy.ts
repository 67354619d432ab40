import type { Config } from '../../../config/config.ts';

/** Host names a server on loopback is reached by; each is allowed on the port the request came in on. */
const LOOPBACK_HOST_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Host and Origin allow-lists of the MCP endpoint, the defence against DNS
 * rebinding the Streamable HTTP transport requires: a web page that rebinds
 * its own name to 127.0.0.1 still sends its own Host and Origin.
 *
 * Without MCP_ALLOWED_HOSTS or MCP_ALLOWED_ORIGINS, the defaults are the
 * loopback names on the port the request reached, plus the hosts of
 * PUBLIC_URL and MCP_RESOURCE_URL. A request without an Origin header (any
 * client that is not a browser) passes the Origin check.
 */
export class RequestOriginPolicy {
  private readonly configuredHosts: Set<string> | null;
  private readonly configuredOrigins: Set<string> | null;
  /** Hosts and origins of PUBLIC_URL and MCP_RESOURCE_URL, added to the loopback defaults. */
  private readonly publicUrls: URL[];

  constructor(config: Config) {
    this.configuredHosts = lowerCaseSet(config.MCP_ALLOWED_HOSTS);
    this.configuredOrigins = lowerCaseSet(config.MCP_ALLOWED_ORIGINS);
    this.publicUrls = [config.PUBLIC_URL, config.MCP_RESOURCE_URL]
      .filter((url) => url !== undefined)
      .map((url) => new URL(url));
  }

  /** True when `host` (the Host header) names this server; `localPort` is the port the connection reached. */
  allowsHost(host: string | undefined, localPort: number): boolean {
    if (host === undefined) return false;

    const exact = host.toLowerCase();
    const allowed = this.configuredHosts ?? this.defaultHosts(localPort);
    return allowed.has('*') || allowed.has(exact) || allowed.has(withPort(exact, 80));
  }

  /** True when `origin` may call the endpoint; requests without an Origin come from non-browser clients. */
  allowsOrigin(origin: string | undefined, localPort: number): boolean {
    if (origin === undefined) return true;

    const normalized = origin.toLowerCase();
    if (this.configuredOrigins !== null) {
      return this.configuredOrigins.has('*') || this.configuredOrigins.has(normalized);
    }
    return this.defaultOrigins(localPort).has(normalized);
  }

  private defaultHosts(localPort: number): Set<string> {
    const loopback = LOOPBACK_HOST_NAMES.map((name) => `${name}:${localPort}`);
    // A proxy may forward the public host with or without its default port.
    const published = this.publicUrls.flatMap((url) => [
      url.host,
      withPort(url.host, defaultPortOf(url)),
    ]);
    return new Set([...loopback, ...published]);
  }

  private defaultOrigins(localPort: number): Set<string> {
    const loopback = LOOPBACK_HOST_NAMES.map((name) => `http://${name}:${localPort}`);
    return new Set([...loopback, ...this.publicUrls.map((url) => url.origin)]);
  }
}

function lowerCaseSet(values: string[] | undefined): Set<string> | null {
  return values === undefined ? null : new Set(values.map((value) => value.toLowerCase()));
}

/** Appends the default port to a host without one, so "localhost" and "localhost:80" compare equal. */
function withPort(host: string, defaultPort: number): string {
  return /:\d+$/.test(host) ? host : `${host}:${defaultPort}`;
}

function defaultPortOf(url: URL): number {
  return url.protocol === 'https:' ? 443 : 80;
}
