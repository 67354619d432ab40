import { ApiError } from './api-error.ts';

const API_BASE = '/api/v1';
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The session's synchronizer token; every cookie-authenticated state change sends it. */
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

function buildInit(options: RequestOptions): RequestInit {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (STATE_CHANGING.has(method) && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return {
    method,
    headers,
    credentials: 'same-origin',
    body: options.body === undefined ? null : JSON.stringify(options.body),
    signal: options.signal ?? null,
  };
}

/** Sends one API request and returns the raw response, throwing ApiError on a non-2xx status. */
export async function apiFetch(path: string, options: RequestOptions = {}): Promise<Response> {
  const response = await fetch(`${API_BASE}${path}`, buildInit(options));
  if (!response.ok) throw await ApiError.fromResponse(response);
  return response;
}

/** A zod or zod/mini schema, as apiRequest uses it. */
export interface ResponseSchema<Output> {
  parse(data: unknown): Output;
}

/** Sends one API request and validates the JSON response with a zod or zod/mini schema. */
export async function apiRequest<Output>(
  schema: ResponseSchema<Output>,
  path: string,
  options: RequestOptions = {},
): Promise<Output> {
  const response = await apiFetch(path, options);
  const body: unknown = response.status === 204 ? null : await response.json();
  return schema.parse(body);
}

/** Builds a query string from defined, non-empty values. */
export function toQueryString(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** Returns the CSRF token for requests sent without apiFetch, such as an upload with progress events. */
export function getCsrfToken(): string | null {
  return csrfToken;
}
