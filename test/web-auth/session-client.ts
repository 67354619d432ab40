import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** A browser's view of one signed-in session: its cookie and CSRF token. */
export interface BrowserSession {
  cookie: string;
  csrfToken: string;
  body: {
    user: { id: string; email: string; name: string; role: string };
    organization: { id: string; name: string; kind: string };
    csrfToken: string;
    expiresAt: string;
  };
}

/** Sends POST /api/v1/auth/login as the web app does. */
export async function postLogin(
  app: FastifyInstance,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify({ email, password }),
  });
}

/** Signs in and returns the session; fails the test when sign-in does not return 200. */
export async function signInAs(
  app: FastifyInstance,
  email: string,
  password: string,
): Promise<BrowserSession> {
  const response = await postLogin(app, email, password);
  if (response.statusCode !== 200) {
    throw new Error(`sign-in of ${email} returned ${response.statusCode}: ${response.body}`);
  }
  const cookie = response.cookies.find((entry) => entry.name === 'cr_session');
  if (!cookie) throw new Error('sign-in set no cr_session cookie');

  const body = response.json<BrowserSession['body']>();
  return { cookie: `cr_session=${cookie.value}`, csrfToken: body.csrfToken, body };
}

/** Sends a request with the session cookie and, when `csrf` is true, the CSRF token. */
export async function withSession(
  app: FastifyInstance,
  session: BrowserSession,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  options: { body?: unknown; csrf?: boolean } = {},
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { cookie: session.cookie };
  if (options.csrf !== false && method !== 'GET') headers['x-csrf-token'] = session.csrfToken;
  return app.inject({
    method,
    url,
    headers,
    ...(options.body === undefined ? {} : { payload: options.body as object }),
  });
}
