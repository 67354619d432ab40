/**
 * Messages between the bench and a child process over the Node IPC channel.
 * The parent sends one request at a time and the child sends one reply to
 * each. On the exit message the child sends its own peak RSS before exiting.
 */
export type ParentMessage = { kind: 'request'; id: number; payload: unknown } | { kind: 'exit' };

export type ChildMessage =
  | { kind: 'ready' }
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: string }
  /** `maxRssBytes` is process.resourceUsage().maxRSS, converted from kilobytes. */
  | { kind: 'exiting'; maxRssBytes: number };

/**
 * Serves the bench's requests in this child process with `handle`. On the
 * exit message it runs `cleanup`, reports peak RSS and exits once the parent
 * has read it and disconnected.
 */
export function serveBenchRequests(
  handle: (payload: unknown) => Promise<unknown>,
  cleanup?: () => Promise<void>,
): void {
  const send = process.send?.bind(process);
  if (send === undefined) {
    throw new Error(
      'This bench child needs an IPC channel: start it through BenchChild, not directly',
    );
  }

  process.on('message', (message: ParentMessage) => {
    if (message.kind === 'exit') {
      void exitAfterCleanup(send, cleanup);
      return;
    }
    handle(message.payload).then(
      (value) => send({ kind: 'reply', id: message.id, ok: true, value } satisfies ChildMessage),
      (error: unknown) =>
        send({
          kind: 'reply',
          id: message.id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        } satisfies ChildMessage),
    );
  });
  send({ kind: 'ready' } satisfies ChildMessage);
}

async function exitAfterCleanup(
  send: (message: ChildMessage) => boolean,
  cleanup: (() => Promise<void>) | undefined,
): Promise<void> {
  await cleanup?.();
  process.once('disconnect', () => process.exit(0));
  send({ kind: 'exiting', maxRssBytes: process.resourceUsage().maxRSS * 1024 });
}
