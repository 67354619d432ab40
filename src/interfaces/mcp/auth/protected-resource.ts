import type { OAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Config } from '../../../config/config.ts';
import type { AppError } from '../../../domain/errors/app-error.ts';

/** Path of the MCP endpoint on this server. */
export const MCP_PATH = '/mcp';
/** RFC 9728 section 3: the metadata lives under this well-known path, with the resource's path appended. */
export const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/**
 * The MCP endpoint as an OAuth protected resource (RFC 9728): its canonical
 * URL, its metadata document and the `WWW-Authenticate` challenge that points
 * clients at that document.
 */
export class ProtectedResource {
  private readonly configuredUrl: string | null;
  private readonly publicUrl: string | null;
  private readonly issuer: string | null;

  constructor(config: Config) {
    this.configuredUrl = config.MCP_RESOURCE_URL ?? null;
    this.publicUrl = config.PUBLIC_URL?.replace(/\/+$/, '') ?? null;
    this.issuer = config.MCP_OAUTH_ISSUER ?? null;
  }

  /**
   * Returns the canonical URL of the MCP endpoint: MCP_RESOURCE_URL, else
   * PUBLIC_URL plus /mcp, else the URL this request reached (its Host header).
   */
  resourceUrl(host: string | undefined): string {
    if (this.configuredUrl !== null) return this.configuredUrl;
    if (this.publicUrl !== null) return `${this.publicUrl}${MCP_PATH}`;
    return `http://${host ?? '127.0.0.1'}${MCP_PATH}`;
  }

  /** Builds the metadata URL of a resource URL by inserting the well-known path between host and path. */
  metadataUrl(resourceUrl: string): string {
    const url = new URL(resourceUrl);
    const path = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
    return new URL(`${PROTECTED_RESOURCE_METADATA_PATH}${path}`, url.origin).href;
  }

  metadataDocument(resourceUrl: string): OAuthProtectedResourceMetadata {
    return {
      resource: resourceUrl,
      // The MCP authorization spec requires at least one authorization server
      // here. Without MCP_OAUTH_ISSUER the endpoint takes API keys only, so the list is left out.
      ...(this.issuer === null ? {} : { authorization_servers: [this.issuer] }),
      bearer_methods_supported: ['header'],
      resource_name: 'Cleanroom Copilot MCP server',
    };
  }

  /**
   * Builds the `WWW-Authenticate` value of a 401 (RFC 6750 section 3): the
   * metadata URL always, and `error="invalid_token"` when a sent token was rejected.
   */
  challenge(resourceUrl: string, rejection: AppError | null): string {
    const parameters = [];
    if (rejection !== null && rejection.code !== 'UNAUTHENTICATED') {
      parameters.push('error="invalid_token"');
      parameters.push(`error_description="${toErrorDescription(rejection.userMessage)}"`);
    }
    parameters.push(`resource_metadata="${this.metadataUrl(resourceUrl)}"`);
    return `Bearer ${parameters.join(', ')}`;
  }
}

/**
 * Makes a message fit RFC 6750 section 3 `error_description`, which allows
 * only %x20-21 / %x23-5B / %x5D-7E: an ellipsis becomes "...", and any other
 * character outside that set (quote, backslash, control or non-ASCII) is
 * dropped. Node rejects a header value with characters above U+00FF, so an
 * unfiltered message turns a 401 into a 500.
 */
export function toErrorDescription(text: string): string {
  return text.replaceAll('\u2026', '...').replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');
}
