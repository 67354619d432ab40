import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

/**
 * A fetch for the SDK client that lets a test drop the open GET SSE stream,
 * as a network failure would. It holds the client's resuming GET (the one
 * with Last-Event-ID) until the test releases it, and can send that GET to
 * another URL, as a load balancer would route it to another web process.
 */
export class ControlledFetch {
  /** Last-Event-ID values of the resuming GETs, in order. */
  readonly resumedFrom: string[] = [];
  private dropCurrent: (() => void) | null = null;
  private streamOpened = deferred();
  private resumeGate = deferred();
  private resumeUrl: URL | null = null;

  readonly fetch: FetchLike = async (url, init) => {
    const method = init?.method ?? 'GET';
    const lastEventId = new Headers(init?.headers).get('last-event-id');
    let target = url;
    if (method === 'GET' && lastEventId !== null) {
      this.resumedFrom.push(lastEventId);
      await this.resumeGate.promise;
      target = this.resumeUrl ?? url;
    }

    const response = await fetch(target, init);
    if (method !== 'GET' || !response.ok || response.body === null) return response;
    return this.wrapStream(response);
  };

  /** Settles when a GET SSE stream is open, the first one or the one after a resume. */
  whenStreamOpen(): Promise<void> {
    return this.streamOpened.promise;
  }

  /** Fails the open GET stream on the client and closes its connection. */
  dropStream(): void {
    if (this.dropCurrent === null) throw new Error('No GET stream is open');
    this.dropCurrent();
    this.dropCurrent = null;
    this.streamOpened = deferred();
  }

  /** Lets held and later resuming GETs through, to `url` when given. */
  releaseResume(url?: URL): void {
    this.resumeUrl = url ?? null;
    this.resumeGate.resolve();
  }

  private wrapStream(response: Response): Response {
    const reader = response.body!.getReader();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (streamController) => {
        controller = streamController;
      },
      pull: async (streamController) => {
        const { done, value } = await reader.read();
        if (done) streamController.close();
        else streamController.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    this.dropCurrent = () => {
      controller.error(new Error('stream dropped by the test'));
      void reader.cancel().catch(() => undefined);
    };
    this.streamOpened.resolve();
    return new Response(body, { status: response.status, headers: response.headers });
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}
