import { errorCodes, type ErrorCode } from './error-codes.ts';

export interface AppErrorOptions {
  /** Structured facts a client can act on, such as the field and the allowed values. */
  details?: Record<string, unknown>;
  /** Message safe to show to any user; defaults to `message` for 4xx errors. */
  userMessage?: string;
  /** Marks a failure worth retrying (a timeout, a dropped connection). */
  retryable?: boolean;
  cause?: unknown;
}

/**
 * The one error type the platform raises on purpose. `message` is for logs
 * and developers; 5xx responses send only the user-safe message.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly userMessage: string;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = errorCodes[code].status;
    this.details = options.details;
    this.retryable = options.retryable ?? false;
    this.userMessage =
      options.userMessage ?? (this.status >= 500 ? errorCodes[code].title : message);
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
