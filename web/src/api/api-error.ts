import { ErrorEnvelopeMiniSchema } from './error-envelope-mini-schema.ts';

/** A failed API request, with the server's stable error code when the body had one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The envelope's details, such as the invalid `parameter` or `retryAfterSeconds`. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Builds the error from a non-2xx response, reading the REST API's error envelope when present. */
  static async fromResponse(response: Response): Promise<ApiError> {
    const body: unknown = await response.json().catch(() => null);
    const envelope = ErrorEnvelopeMiniSchema.safeParse(body);
    if (envelope.success) {
      const { error } = envelope.data;
      return new ApiError(response.status, error.code, error.message, error.details);
    }
    return new ApiError(
      response.status,
      `HTTP_${response.status}`,
      `${response.url} failed with HTTP ${response.status}.`,
    );
  }
}
