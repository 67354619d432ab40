import { describe, expect, it } from 'vitest';
import { SessionViewSchema } from '../../src/domain/auth/session-view.ts';
import { ErrorEnvelopeSchema } from '../../src/interfaces/http/error-envelope.ts';
import { ErrorEnvelopeMiniSchema } from '../../web/src/api/error-envelope-mini-schema.ts';
import { SessionMiniSchema } from '../../web/src/api/session-mini-schema.ts';

const validSession = {
  user: {
    id: '0b0f8a52-3c1e-4a59-9a43-2f6c1d7e8b90',
    email: 'ana@publisher.example',
    name: 'Ana',
    role: 'ADMIN',
  },
  organization: {
    id: '5d7e9f10-2b3c-4d5e-8f60-718293a4b5c6',
    name: 'Publisher',
    kind: 'PUBLISHER',
  },
  csrfToken: 'token',
  expiresAt: '2026-12-05T00:00:00.000Z',
};

/** Each case changes one field of the valid session. */
const sessionCases: Record<string, unknown> = {
  'valid session': validSession,
  'user id not a UUID': { ...validSession, user: { ...validSession.user, id: 'user-1' } },
  'unknown role': { ...validSession, user: { ...validSession.user, role: 'OWNER' } },
  'organization id not a UUID': {
    ...validSession,
    organization: { ...validSession.organization, id: '42' },
  },
  'missing CSRF token': { ...validSession, csrfToken: undefined },
  'expiry not a date-time': { ...validSession, expiresAt: 'tomorrow' },
  'missing expiry': { ...validSession, expiresAt: undefined },
  'null body': null,
};

describe('first route zod/mini schemas', () => {
  for (const [name, value] of Object.entries(sessionCases)) {
    it(`session mini schema matches shared schema: ${name}`, () => {
      const shared = SessionViewSchema.safeParse(value).success;
      expect(SessionMiniSchema.safeParse(value).success).toBe(shared);
    });
  }

  it('session mini schema returns the same data', () => {
    expect(SessionMiniSchema.parse(validSession)).toEqual(SessionViewSchema.parse(validSession));
  });

  it('error envelope mini schema reads server errors', () => {
    const envelope = {
      error: {
        code: 'AUTH_INVALID_CREDENTIALS',
        status: 401,
        message: 'Email or password is wrong.',
        requestId: 'req-1',
      },
    };
    expect(ErrorEnvelopeSchema.safeParse(envelope).success).toBe(true);

    const parsed = ErrorEnvelopeMiniSchema.parse(envelope);
    expect(parsed.error.code).toBe('AUTH_INVALID_CREDENTIALS');
    expect(parsed.error.message).toBe('Email or password is wrong.');
  });

  it('error envelope mini schema rejects other bodies', () => {
    expect(ErrorEnvelopeMiniSchema.safeParse({ message: 'Bad gateway' }).success).toBe(false);
    expect(ErrorEnvelopeMiniSchema.safeParse(null).success).toBe(false);
  });
});
