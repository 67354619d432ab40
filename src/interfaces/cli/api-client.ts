import { CliError } from './boot.ts';

export interface ApiClientOptions {
  url: string;
  apiKey: string | undefined;
}

/** A small REST client for CLI commands that act through a running server. */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {
    if (!options.apiKey) {
      throw new CliError(
        'No API key: pass --api-key or set CLEANROOM_API_KEY (`cleanroom demo-keys` prints the demo keys).',
      );
    }
  }

  async get<T>(path: string): Promise<T> {
    return this.request<T>(path, { method: 'GET' });
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>(path, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  }

  async delete<T>(path: string): Promise<T> {
    return this.request<T>(path, { method: 'DELETE' });
  }

  /** Sends a multipart form; the file is streamed by fetch from a Blob backed by the file on disk. */
  async postForm<T>(path: string, form: FormData): Promise<T> {
    return this.request<T>(path, { method: 'POST', body: form });
  }

  async request<T>(method: string, path: string): Promise<T>;
  async request<T>(path: string, init: RequestInit): Promise<T>;
  async request<T>(first: string, second: string | RequestInit): Promise<T> {
    const [path, init] = typeof second === 'string' ? [second, { method: first }] : [first, second];
    const url = new URL(`/api/v1${path}`, this.options.url);
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${this.options.apiKey}`);
    let response: Response;
    try {
      response = await fetch(url, { ...init, headers });
    } catch (error) {
      throw new CliError(
        `Cannot reach ${url.origin} (${(error as Error).message}); start the server with \`cleanroom start\` or pass --url.`,
      );
    }

    const text = await response.text();
    const body = text ? (JSON.parse(text) as unknown) : null;
    if (response.ok) return body as T;

    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new CliError(
      `${error?.code ?? response.status}: ${error?.message ?? response.statusText}`,
    );
  }
}

/** Options every API-backed command takes. */
export function apiOptionsFrom(
  options: { url?: string; apiKey?: string },
  defaultPort: number,
): ApiClientOptions {
  return {
    url: options.url ?? process.env.CLEANROOM_URL ?? `http://127.0.0.1:${defaultPort}`,
    apiKey: options.apiKey ?? process.env.CLEANROOM_API_KEY,
  };
}
