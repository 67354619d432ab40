/** Async iterable fed by `push` until `close`. Items pushed before `close` are still delivered. */
export class ProgressQueue<Item> implements AsyncIterable<Item> {
  private readonly items: Item[] = [];
  private closed = false;
  private wake: (() => void) | undefined;

  push(item: Item): void {
    if (this.closed) return;
    this.items.push(item);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Item> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) yield item;
      else if (this.closed) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
