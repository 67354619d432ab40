import { createHash } from 'node:crypto';
import { AppError } from '../../domain/errors/app-error.ts';
import { waitText } from '../../domain/text/wait-text.ts';
import type { FailureCounter } from './failure-counter.ts';

export interface LoginThrottleLimits {
  maxFailuresPerEmail: number;
  maxFailuresPerIp: number;
  windowMs: number;
}

/** A sign-in attempt: the email typed and the client's IP address. */
export interface LoginAttempt {
  email: string;
  clientIp: string;
}

/**
 * Rejects sign-in for an email or a client IP after too many failures in a
 * fixed window, against password guessing on one account and spraying
 * over many accounts. A success clears the email's count, not the IP's.
 */
export class LoginThrottle {
  constructor(
    private readonly counter: FailureCounter,
    private readonly limits: LoginThrottleLimits,
  ) {}

  /** Throws LOGIN_THROTTLED when the email or the IP address has reached its limit. */
  async check(attempt: LoginAttempt): Promise<void> {
    const [email, ip] = await this.counter.read(keysOf(attempt));
    const blocked = [
      email && email.count >= this.limits.maxFailuresPerEmail ? email.resetInMs : 0,
      ip && ip.count >= this.limits.maxFailuresPerIp ? ip.resetInMs : 0,
    ];
    const retryAfterSeconds = Math.ceil(Math.max(...blocked) / 1000);
    if (retryAfterSeconds <= 0) return;

    throw new AppError(
      'LOGIN_THROTTLED',
      `Too many failed sign-ins for this account or network; try again ${waitText(retryAfterSeconds)}.`,
      { details: { retryAfterSeconds } },
    );
  }

  async recordFailure(attempt: LoginAttempt): Promise<void> {
    await this.counter.increment(keysOf(attempt), this.limits.windowMs);
  }

  async recordSuccess(attempt: LoginAttempt): Promise<void> {
    const [emailKey] = keysOf(attempt);
    if (emailKey) await this.counter.delete(emailKey);
  }

  async close(): Promise<void> {
    await this.counter.close();
  }
}

/** Counter keys; the email is hashed so Redis keys carry no personal data. */
function keysOf(attempt: LoginAttempt): string[] {
  const email = createHash('sha256').update(attempt.email.trim().toLowerCase()).digest('hex');
  return [`email:${email}`, `ip:${attempt.clientIp}`];
}
