/**
 * Registry of every error code the platform raises. Codes are stable: clients
 * match on them, so a code is never renamed or reused for another meaning.
 */
export const errorCodes = {
  CONFIG_INVALID: { status: 500, title: 'Invalid configuration' },
  VALIDATION_FAILED: { status: 400, title: 'Invalid request' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  API_KEY_INVALID: { status: 401, title: 'Invalid API key' },
  API_KEY_REVOKED: { status: 401, title: 'API key revoked' },
  FORBIDDEN: { status: 403, title: 'Not allowed' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CLEAN_ROOM_NOT_FOUND: { status: 404, title: 'Clean room not found' },
  PARTNER_NOT_FOUND: { status: 404, title: 'Partner not found' },
  ORGANIZATION_NOT_FOUND: { status: 404, title: 'Organization not found' },
  DATASET_NOT_FOUND: { status: 404, title: 'Dataset not found' },
  QUESTION_NOT_FOUND: { status: 404, title: 'Question not found' },
  RUN_NOT_FOUND: { status: 404, title: 'Question run not found' },
  RESULT_NOT_READY: { status: 409, title: 'Result not ready' },
  CONFLICT: { status: 409, title: 'Conflict' },
  PARTNER_EXISTS: { status: 409, title: 'Partner already in the clean room' },
  LAST_OWNER: { status: 409, title: 'Clean room needs an owner' },
  CLEAN_ROOM_READ_ONLY: { status: 409, title: 'Clean room is read-only' },
  RUN_NOT_CANCELLABLE: { status: 409, title: 'Run cannot be cancelled' },
  DATASET_NOT_PARTNER: { status: 403, title: 'Dataset owner is not a partner' },
  DATASET_NOT_ATTACHED: { status: 422, title: 'Dataset not attached to the clean room' },
  DATASET_UNSUITABLE: { status: 422, title: 'Dataset does not fit the question' },
  PARAMETER_INVALID: { status: 422, title: 'Invalid question parameter' },
  PRIVACY_VIOLATION: { status: 422, title: 'Query would break a privacy guard' },
  IMPORT_EMPTY_FILE: { status: 422, title: 'File is empty' },
  IMPORT_NOT_TEXT: { status: 422, title: 'File is not a text CSV' },
  IMPORT_WRONG_DELIMITER: { status: 422, title: 'Delimiter does not match the file' },
  IMPORT_MISSING_COLUMN: { status: 422, title: 'Column missing from the file' },
  IMPORT_TOO_MANY_INVALID_ROWS: { status: 422, title: 'Too many invalid rows' },
  IMPORT_NO_VALID_ROWS: { status: 422, title: 'No valid rows' },
  IMPORT_PARQUET_INVALID: { status: 422, title: 'Invalid Parquet file' },
  IMPORT_TOO_LARGE: { status: 413, title: 'File too large' },
  CURSOR_INVALID: { status: 400, title: 'Invalid cursor' },
  ENGINE_FAILED: { status: 500, title: 'Query engine failed' },
  DATABASE_UNAVAILABLE: { status: 503, title: 'Database unavailable' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCodes;
