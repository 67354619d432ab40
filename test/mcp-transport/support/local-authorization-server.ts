import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

export interface TokenOptions {
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative for a token that already expired. */
  expiresInSeconds?: number;
  /** Signs with a key the JWKS does not publish. */
  foreignKey?: boolean;
}

/**
 * The signing side of an OAuth authorization server for tests: an RS256 key
 * pair made by jose, its public half served as a JWKS on 127.0.0.1, and JWT
 * access tokens signed with it.
 */
export class LocalAuthorizationServer {
  private constructor(
    private readonly server: http.Server,
    private readonly privateKey: CryptoKey,
    private readonly foreignPrivateKey: CryptoKey,
    readonly issuer: string,
    readonly jwksUrl: string,
  ) {}

  static async start(): Promise<LocalAuthorizationServer> {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const foreign = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
    const jwks = JSON.stringify({ keys: [jwk] });

    const server = http.createServer((request, response) => {
      if (request.url !== '/jwks.json') {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const issuer = `http://127.0.0.1:${port}`;
    return new LocalAuthorizationServer(
      server,
      privateKey,
      foreign.privateKey,
      issuer,
      `${issuer}/jwks.json`,
    );
  }

  /** Signs an access token for `audience` with the given claims (org_id, sub, ...). */
  async signToken(
    claims: JWTPayload,
    audience: string,
    options: TokenOptions = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ client_id: 'transport-test-client', scope: 'mcp', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1', typ: 'at+jwt' })
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(options.audience ?? audience)
      .setIssuedAt(now - 60)
      .setExpirationTime(now + (options.expiresInSeconds ?? 300))
      .sign(options.foreignKey ? this.foreignPrivateKey : this.privateKey);
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }
}

/** Finds a free TCP port on 127.0.0.1, so a server's URL can be configured before it listens. */
export async function findFreePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
