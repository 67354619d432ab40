import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Config } from '../../../config/config.ts';
import { AppError } from '../../../domain/errors/app-error.ts';
import type { Caller } from '../../../domain/organizations/caller.ts';
import { authenticateApiKey } from '../../../services/auth/authenticate-api-key.ts';
import { resolveAccessTokenCaller } from '../../../services/auth/resolve-access-token-caller.ts';
import type { ServiceContext } from '../../../services/service-context.ts';
import { AccessTokenVerifier } from './access-token-verifier.ts';

const API_KEY_PREFIX = 'crk_';

/** The caller of an MCP request, and the same facts in the SDK's shape for tool handlers (`extra.authInfo`). */
export interface McpAuthentication {
  caller: Caller;
  authInfo: AuthInfo;
}

/**
 * Authenticates MCP requests from their `Authorization: Bearer` header: an
 * API key (`crk_...`, the same keys and organization scoping as the REST
 * API) or, when MCP_OAUTH_ISSUER is set, a JWT access token of that issuer.
 */
export class McpAuthenticator {
  constructor(
    private readonly context: ServiceContext,
    private readonly verifier: AccessTokenVerifier | null,
    private readonly organizationClaim: string,
  ) {}

  static fromConfig(context: ServiceContext, config: Config): McpAuthenticator {
    return new McpAuthenticator(
      context,
      createAccessTokenVerifier(config),
      config.MCP_OAUTH_ORGANIZATION_CLAIM,
    );
  }

  get acceptsAccessTokens(): boolean {
    return this.verifier !== null;
  }

  async authenticate(authorization: string | undefined): Promise<McpAuthentication> {
    const token = readBearerToken(authorization);
    // Keys start with crk_; a malformed key still goes this way, so its error names the key format.
    if (token.startsWith(API_KEY_PREFIX)) return this.authenticateApiKey(token);
    if (this.verifier === null) {
      throw new AppError(
        'API_KEY_INVALID',
        'The bearer token is not an API key (crk_...), and this server accepts no OAuth access tokens; create a key with `cleanroom api-key create`.',
      );
    }
    return this.authenticateAccessToken(this.verifier, token);
  }

  private async authenticateApiKey(key: string): Promise<McpAuthentication> {
    const caller = await authenticateApiKey(this.context, key);
    return {
      caller,
      authInfo: {
        token: key,
        clientId: `api-key:${caller.apiKeyId}`,
        scopes: [],
        extra: { organizationId: caller.organizationId, userId: caller.userId },
      },
    };
  }

  private async authenticateAccessToken(
    verifier: AccessTokenVerifier,
    token: string,
  ): Promise<McpAuthentication> {
    const verified = await verifier.verify(token);
    const caller = await resolveAccessTokenCaller(this.context, {
      organizationClaim: this.organizationClaim,
      organizationId: verified.organizationId,
      subject: verified.subject,
    });
    return {
      caller,
      authInfo: {
        token,
        clientId: verified.clientId,
        scopes: verified.scopes,
        expiresAt: verified.expiresAt,
        extra: { organizationId: caller.organizationId, userId: caller.userId },
      },
    };
  }
}

function createAccessTokenVerifier(config: Config): AccessTokenVerifier | null {
  const { MCP_OAUTH_ISSUER: issuer, MCP_OAUTH_JWKS_URL: jwksUrl, MCP_RESOURCE_URL } = config;
  if (issuer === undefined || jwksUrl === undefined || MCP_RESOURCE_URL === undefined) return null;

  return new AccessTokenVerifier({
    issuer,
    jwksUrl: new URL(jwksUrl),
    audience: config.MCP_OAUTH_AUDIENCE ?? MCP_RESOURCE_URL,
    algorithms: config.MCP_OAUTH_ALGORITHMS,
    clockToleranceSeconds: config.MCP_OAUTH_CLOCK_TOLERANCE_SECONDS,
    organizationClaim: config.MCP_OAUTH_ORGANIZATION_CLAIM,
  });
}

function readBearerToken(authorization: string | undefined): string {
  if (!authorization) {
    throw new AppError(
      'UNAUTHENTICATED',
      'Send "Authorization: Bearer <API key or access token>"; create an API key with `cleanroom api-key create`.',
    );
  }

  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!match?.[1]) {
    throw new AppError(
      'UNAUTHENTICATED',
      'The Authorization header must be "Bearer <API key or access token>".',
    );
  }
  return match[1];
}
