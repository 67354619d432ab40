import type { Config } from '../../config/config.ts';
import type { Logger } from '../../adapters/logging/logger.ts';
import { RedisConnection } from '../../adapters/redis/redis-connection.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { ServiceContext } from '../service-context.ts';
import {
  startRunPushNotifications,
  type RunPushNotifications,
} from '../push/start-run-push-notifications.ts';
import { MemoryFailureCounter } from './failure-counter.ts';
import { LoginThrottle } from './login-throttle.ts';
import { RedisFailureCounter } from './redis-failure-counter.ts';

/** VAPID keys and delivery options of Web Push. */
export interface WebPushSettings {
  publicKey: string;
  privateKey: string;
  /** mailto: or https: contact that push services may use. */
  subject: string;
  /** How long a push service keeps an undelivered notification, in seconds. */
  ttlSeconds: number;
  /** Accepts http://127.0.0.1 and http://localhost endpoints, for tests and local development. */
  allowInsecureEndpoints: boolean;
}

/** Settings and state of the web app's sign-in and Web Push, besides the database. */
export interface WebAccess {
  loginThrottle: LoginThrottle;
  /** Idle lifetime of a session, in milliseconds. */
  sessionTtlMs: number;
  /** Absolute lifetime of a session from sign-in, in milliseconds. */
  sessionMaxAgeMs: number;
  /** Null when the VAPID variables are unset. */
  webPush: WebPushSettings | null;
  /** Redis connection of the login throttle; null without REDIS_URL. */
  redis: RedisConnection | null;
  /** Run notifications of this process once started; null while Web Push is off. */
  pushNotifications: RunPushNotifications | null;
  /** Sends a notification when a run started by a subscribed user ends; does nothing without VAPID keys. */
  startPushNotifications(context: ServiceContext): void;
  close(): Promise<void>;
}

const HOUR_MS = 3_600_000;

/** Builds the login throttle (Redis counters when REDIS_URL is set) and reads the session and push settings. */
export function createWebAccess(config: Config, log: Logger): WebAccess {
  const redis = config.REDIS_URL
    ? new RedisConnection({
        url: config.REDIS_URL,
        name: 'login-throttle',
        commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
        connectTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS,
        log,
      })
    : null;
  const counter = redis
    ? new RedisFailureCounter(
        redis,
        `${config.REDIS_KEY_PREFIX}${config.DATABASE_SCHEMA}:login-failures:`,
        log,
      )
    : new MemoryFailureCounter();
  const loginThrottle = new LoginThrottle(counter, {
    maxFailuresPerEmail: config.LOGIN_MAX_FAILURES_PER_EMAIL,
    maxFailuresPerIp: config.LOGIN_MAX_FAILURES_PER_IP,
    windowMs: config.LOGIN_THROTTLE_WINDOW_SECONDS * 1000,
  });

  const access: WebAccess = {
    loginThrottle,
    sessionTtlMs: config.SESSION_TTL_HOURS * HOUR_MS,
    sessionMaxAgeMs: config.SESSION_MAX_AGE_DAYS * 24 * HOUR_MS,
    webPush: webPushSettings(config),
    redis,
    pushNotifications: null,
    startPushNotifications: (context) => {
      if (!access.webPush || access.pushNotifications) return;
      access.pushNotifications = startRunPushNotifications(context, access.webPush);
    },
    close: async () => {
      await access.pushNotifications?.stop();
      await loginThrottle.close();
      await redis?.close();
    },
  };
  return access;
}

/** Returns the context's web access; contexts built by createPlatform always have it. */
export function webAccessOf(context: ServiceContext): WebAccess {
  if (!context.webAccess) {
    throw new AppError('INTERNAL', 'This service context was built without web access settings.');
  }
  return context.webAccess;
}

function webPushSettings(config: Config): WebPushSettings | null {
  if (!config.VAPID_PUBLIC_KEY || !config.VAPID_PRIVATE_KEY || !config.VAPID_SUBJECT) return null;
  return {
    publicKey: config.VAPID_PUBLIC_KEY,
    privateKey: config.VAPID_PRIVATE_KEY,
    subject: config.VAPID_SUBJECT,
    ttlSeconds: config.PUSH_TTL_SECONDS,
    allowInsecureEndpoints: config.PUSH_ALLOW_INSECURE_ENDPOINTS,
  };
}
