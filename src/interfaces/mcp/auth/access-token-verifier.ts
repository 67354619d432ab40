import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { AppError } from '../../../domain/errors/app-error.ts';

export interface AccessTokenVerifierOptions {
  /** Expected `iss`: the authorization server's issuer identifier. */
  issuer: string;
  /** URL of the authorization server's signing keys (JWKS). */
  jwksUrl: URL;
  /** Expected `aud`: the canonical URL of this MCP server, or another value the authorization server uses for it. */
  audience: string;
  algorithms: string[];
  /** Leeway for `exp`, `nbf` and `iat` against this machine's clock, in seconds. */
  clockToleranceSeconds: number;
  /** Claim that carries the organization id, `org_id` by default. */
  organizationClaim: string;
}

/** The facts of a verified access token that the MCP server uses. */
export interface VerifiedAccessToken {
  organizationId: string;
  subject: string;
  /** `client_id` (RFC 9068) or `azp`, empty when the token carries neither. */
  clientId: string;
  scopes: string[];
  /** `exp`, in seconds since the epoch. */
  expiresAt: number;
}

/** Time a JWKS request may take before verification fails as unavailable, in milliseconds. */
const JWKS_TIMEOUT_MS = 5_000;
/** Minimum time between two JWKS refetches caused by an unknown `kid`, in milliseconds. */
const JWKS_COOLDOWN_MS = 30_000;

/** jose error codes that mean the token itself is bad, as opposed to the keys being unreachable. */
const tokenErrorCodes = new Set([
  errors.JWTInvalid.code,
  errors.JWSInvalid.code,
  errors.JWSSignatureVerificationFailed.code,
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
  errors.JOSEAlgNotAllowed.code,
  errors.JOSENotSupported.code,
]);

/**
 * Verifies OAuth 2.1 JWT access tokens as a resource server. It checks the
 * signature against the issuer's JWKS with an allowed algorithm, the issuer,
 * the audience, and expiry and not-before with a small clock tolerance. The
 * audience binds a token to this server, because the MCP authorization spec
 * forbids accepting tokens minted for another resource.
 */
export class AccessTokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: AccessTokenVerifierOptions) {
    this.keys = createRemoteJWKSet(options.jwksUrl, {
      timeoutDuration: JWKS_TIMEOUT_MS,
      cooldownDuration: JWKS_COOLDOWN_MS,
    });
  }

  async verify(token: string): Promise<VerifiedAccessToken> {
    const payload = await this.verifySignatureAndClaims(token);
    const organizationId = payload[this.options.organizationClaim];
    if (typeof organizationId !== 'string' || organizationId.length === 0) {
      throw new AppError(
        'ACCESS_TOKEN_INVALID',
        `The access token has no ${this.options.organizationClaim} claim naming the organization.`,
      );
    }

    return {
      organizationId,
      subject: payload.sub as string,
      clientId: readClientId(payload),
      scopes: readScopes(payload),
      expiresAt: payload.exp as number,
    };
  }

  private async verifySignatureAndClaims(token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.options.algorithms,
        clockTolerance: this.options.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      });
      return payload;
    } catch (error) {
      throw this.explain(error);
    }
  }

  /** Turns a jose error into an AppError whose message names what is wrong with the token. */
  private explain(error: unknown): AppError {
    if (error instanceof errors.JWTExpired) {
      const expiredAt = new Date(Number(error.payload.exp) * 1000).toISOString();
      return invalidToken(`The access token expired at ${expiredAt}; get a new one.`, error);
    }
    if (error instanceof errors.JWTClaimValidationFailed) return this.explainClaim(error);
    if (error instanceof errors.JOSEAlgNotAllowed) {
      const allowed = this.options.algorithms.join(', ');
      return invalidToken(`The access token's algorithm is not allowed; use ${allowed}.`, error);
    }
    if (error instanceof errors.JOSEError && tokenErrorCodes.has(error.code)) {
      return invalidToken(
        `The access token is not a JWT signed by a key of ${this.options.issuer} (${error.code}).`,
        error,
      );
    }

    return new AppError(
      'ACCESS_TOKEN_KEYS_UNAVAILABLE',
      `Fetching the signing keys from ${this.options.jwksUrl.href} failed; retry later.`,
      { cause: error, retryable: true },
    );
  }

  private explainClaim(error: InstanceType<typeof errors.JWTClaimValidationFailed>): AppError {
    if (error.reason === 'missing') {
      return invalidToken(`The access token has no ${error.claim} claim.`, error);
    }
    switch (error.claim) {
      case 'iss':
        return invalidToken(
          `The access token was issued by ${JSON.stringify(error.payload.iss)}; this server accepts tokens of ${this.options.issuer} only.`,
          error,
        );
      case 'aud':
        return invalidToken(
          `The access token's audience ${JSON.stringify(error.payload.aud)} does not include ${this.options.audience}; request a token for this resource.`,
          error,
        );
      case 'nbf':
        return invalidToken('The access token is not valid yet (nbf is in the future).', error);
      default:
        return invalidToken(
          `The access token's ${error.claim} claim is invalid: ${error.message}.`,
          error,
        );
    }
  }
}

function invalidToken(message: string, cause: unknown): AppError {
  return new AppError('ACCESS_TOKEN_INVALID', message, { cause });
}

function readClientId(payload: JWTPayload): string {
  const clientId = payload.client_id ?? payload.azp;
  return typeof clientId === 'string' ? clientId : '';
}

/** Scopes from `scope` (a space-separated string, RFC 9068) or `scp` (an array, used by some providers). */
function readScopes(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter(Boolean);
  if (Array.isArray(payload.scp)) return payload.scp.filter((scope) => typeof scope === 'string');
  return [];
}
