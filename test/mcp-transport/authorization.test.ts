import { OAuthProtectedResourceMetadataSchema } from '@modelcontextprotocol/sdk/shared/auth.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/services/auth/api-key-secret.ts';
import { findFreePort, LocalAuthorizationServer } from './support/local-authorization-server.ts';
import {
  connectClient,
  initializeRequest,
  jsonRpcHeaders,
  startMcpTestServer,
  type JsonRpcErrorBody,
  type McpTestServer,
} from './support/mcp-test-server.ts';

interface DemoUser {
  organizationId: string;
  userId: string;
  email: string;
}

async function findDemoUser(server: McpTestServer, organizationPrefix: string): Promise<DemoUser> {
  const rows = await server.platform.platform.context.db.query<DemoUser>(
    `SELECT o.id AS "organizationId", u.id AS "userId", u.email
       FROM organizations o JOIN users u ON u.organization_id = o.id
      WHERE o.name LIKE $1 ORDER BY u.created_at LIMIT 1`,
    [`${organizationPrefix}%`],
  );
  if (rows[0] === undefined) throw new Error(`no demo user in ${organizationPrefix}`);
  return rows[0];
}

function postInitialize(server: McpTestServer, authorization: string | null) {
  const headers = jsonRpcHeaders('unused');
  if (authorization === null) delete headers.authorization;
  else headers.authorization = authorization;
  return fetch(server.url, {
    method: 'POST',
    headers,
    body: JSON.stringify(initializeRequest),
  });
}

describe('MCP authorization with OAuth access tokens', () => {
  let authorizationServer: LocalAuthorizationServer;
  let server: McpTestServer;
  let resourceUrl: string;
  let advertiser: DemoUser;
  let retailer: DemoUser;

  beforeAll(async () => {
    authorizationServer = await LocalAuthorizationServer.start();
    const port = await findFreePort();
    resourceUrl = `http://127.0.0.1:${port}/mcp`;
    server = await startMcpTestServer({
      port,
      env: {
        MCP_OAUTH_ISSUER: authorizationServer.issuer,
        MCP_OAUTH_JWKS_URL: authorizationServer.jwksUrl,
        MCP_RESOURCE_URL: resourceUrl,
      },
    });
    advertiser = await findDemoUser(server, 'Northwind');
    retailer = await findDemoUser(server, 'Cornerstone');
  });

  afterAll(async () => {
    await server?.close();
    await authorizationServer?.close();
  });

  function tokenFor(user: DemoUser, subject: 'email' | 'id' = 'email') {
    return authorizationServer.signToken(
      { org_id: user.organizationId, sub: subject === 'email' ? user.email : user.userId },
      resourceUrl,
    );
  }

  async function expectRejected(token: string, messagePart: string) {
    const response = await postInitialize(server, `Bearer ${token}`);
    const challenge = response.headers.get('www-authenticate') ?? '';
    const body = (await response.json()) as JsonRpcErrorBody;

    expect(response.status).toBe(401);
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain(
      `resource_metadata="http://127.0.0.1:${server.port}/.well-known/oauth-protected-resource/mcp"`,
    );
    expect(body).toMatchObject({
      jsonrpc: '2.0',
      error: { data: { code: 'ACCESS_TOKEN_INVALID' } },
    });
    expect(body.error.message).toContain(messagePart);
  }

  it('accepts a valid token and acts for its organization', async () => {
    const token = await tokenFor(advertiser);
    const { client } = await connectClient(server.url, token);

    const result = await client.callTool({ name: 'list_clean_rooms', arguments: {} });

    expect(result.structuredContent).toMatchObject({
      items: expect.arrayContaining([
        expect.objectContaining({ name: 'Northwind x Daily Ledger Holiday Campaign' }),
      ]),
    });
    await client.close();
  });

  it('accepts a token whose subject is the user id', async () => {
    const token = await tokenFor(retailer, 'id');
    const { client } = await connectClient(server.url, token);

    const result = await client.callTool({ name: 'list_clean_rooms', arguments: {} });

    expect(result.structuredContent).toMatchObject({
      items: [expect.objectContaining({ name: 'Cornerstone Retail Media Insights' })],
    });
    await client.close();
  });

  it('rejects an expired token', async () => {
    const token = await authorizationServer.signToken(
      { org_id: advertiser.organizationId, sub: advertiser.email },
      resourceUrl,
      { expiresInSeconds: -600 },
    );

    await expectRejected(token, 'expired');
  });

  it('rejects a token for another audience', async () => {
    const token = await authorizationServer.signToken(
      { org_id: advertiser.organizationId, sub: advertiser.email },
      resourceUrl,
      { audience: 'http://127.0.0.1:9/another-resource' },
    );

    await expectRejected(token, 'audience');
  });

  it('rejects a token of another issuer', async () => {
    const token = await authorizationServer.signToken(
      { org_id: advertiser.organizationId, sub: advertiser.email },
      resourceUrl,
      { issuer: 'http://127.0.0.1:9/other-issuer' },
    );

    await expectRejected(token, 'issued by');
  });

  it('rejects a token signed with an unpublished key', async () => {
    const token = await authorizationServer.signToken(
      { org_id: advertiser.organizationId, sub: advertiser.email },
      resourceUrl,
      { foreignKey: true },
    );

    await expectRejected(token, 'not a JWT signed by a key of');
  });

  it('rejects a token naming an unknown organization', async () => {
    const token = await authorizationServer.signToken(
      { org_id: '00000000-0000-4000-8000-000000000000', sub: advertiser.email },
      resourceUrl,
    );

    await expectRejected(token, 'does not exist');
  });

  it("rejects a subject outside the token's organization", async () => {
    const token = await authorizationServer.signToken(
      { org_id: advertiser.organizationId, sub: retailer.email },
      resourceUrl,
    );

    await expectRejected(token, 'is not a user of organization');
  });

  it('rejects a token without an organization claim', async () => {
    const token = await authorizationServer.signToken({ sub: advertiser.email }, resourceUrl);

    await expectRejected(token, 'org_id');
  });

  it('answers missing credentials with 401 and the metadata URL', async () => {
    const response = await postInitialize(server, null);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="http://127.0.0.1:${server.port}/.well-known/oauth-protected-resource/mcp"`,
    );
    expect(await response.json()).toMatchObject({ error: { data: { code: 'UNAUTHENTICATED' } } });
  });

  it('still accepts API keys', async () => {
    const response = await postInitialize(server, `Bearer ${server.platform.keys.advertiser}`);

    expect(response.status).toBe(200);
    await response.body?.cancel();
  });

  it("rejects a token on another organization's session", async () => {
    const own = await connectClient(server.url, await tokenFor(advertiser));
    const foreignToken = await tokenFor(retailer);

    const response = await fetch(server.url, {
      method: 'POST',
      headers: jsonRpcHeaders(foreignToken, {
        'mcp-session-id': own.transport.sessionId!,
        'mcp-protocol-version': '2025-11-25',
      }),
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} }),
    });

    expect(response.status).toBe(404);
    await own.transport.terminateSession();
    await own.client.close();
  });

  it('publishes the protected resource metadata at both well-known URLs', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const response = await fetch(new URL(path, server.url));
      const document = OAuthProtectedResourceMetadataSchema.parse(await response.json());

      expect(response.status).toBe(200);
      expect(document.resource).toBe(resourceUrl);
      expect(document.authorization_servers).toEqual([authorizationServer.issuer]);
      expect(document.bearer_methods_supported).toEqual(['header']);
    }
  });
});

describe('MCP authorization with API keys only', () => {
  let server: McpTestServer;

  beforeAll(async () => {
    server = await startMcpTestServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('rejects an unknown API key with error="invalid_token"', async () => {
    const response = await postInitialize(server, `Bearer crk_${'A'.repeat(32)}`);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await response.json()).toMatchObject({ error: { data: { code: 'API_KEY_INVALID' } } });
  });

  it('rejects a revoked API key with an ASCII challenge', async () => {
    const key = server.platform.keys.publisher;
    await server.platform.platform.context.db.query(
      'UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1',
      [hashApiKey(key)],
    );

    const response = await postInitialize(server, `Bearer ${key}`);
    const challenge = response.headers.get('www-authenticate') ?? '';
    const body = (await response.json()) as JsonRpcErrorBody;

    expect(response.status).toBe(401);
    expect(challenge).toMatch(/^[\x20-\x7e]+$/);
    expect(challenge).toMatch(/error_description="API key crk_[\w-]+\.\.\. was revoked/);
    expect(body.error.data.code).toBe('API_KEY_REVOKED');
  });

  it('rejects a JWT when no issuer is configured', async () => {
    const response = await postInitialize(server, 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln');

    expect(response.status).toBe(401);
    const body = (await response.json()) as JsonRpcErrorBody;
    expect(body.error.message).toContain('accepts no OAuth access tokens');
  });

  it('publishes metadata naming no authorization server', async () => {
    const response = await fetch(new URL('/.well-known/oauth-protected-resource/mcp', server.url));
    const document = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(200);
    expect(document.resource).toBe(`http://127.0.0.1:${server.port}/mcp`);
    expect(document.authorization_servers).toBeUndefined();
  });
});

describe('MCP authorization when the JWKS is unreachable', () => {
  let authorizationServer: LocalAuthorizationServer;
  let server: McpTestServer;
  let resourceUrl: string;

  beforeAll(async () => {
    authorizationServer = await LocalAuthorizationServer.start();
    const port = await findFreePort();
    const closedPort = await findFreePort();
    resourceUrl = `http://127.0.0.1:${port}/mcp`;
    server = await startMcpTestServer({
      port,
      env: {
        MCP_OAUTH_ISSUER: authorizationServer.issuer,
        MCP_OAUTH_JWKS_URL: `http://127.0.0.1:${closedPort}/jwks.json`,
        MCP_RESOURCE_URL: resourceUrl,
      },
    });
  });

  afterAll(async () => {
    await server?.close();
    await authorizationServer?.close();
  });

  it('answers 503 instead of rejecting the token', async () => {
    const user = await findDemoUser(server, 'Northwind');
    const token = await authorizationServer.signToken(
      { org_id: user.organizationId, sub: user.email },
      resourceUrl,
    );

    const response = await postInitialize(server, `Bearer ${token}`);

    expect(response.status).toBe(503);
    expect(response.headers.get('www-authenticate')).toBeNull();
    expect(await response.json()).toMatchObject({
      error: { data: { code: 'ACCESS_TOKEN_KEYS_UNAVAILABLE' } },
    });
  });
});
