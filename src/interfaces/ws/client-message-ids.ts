/**
 * Client message ids already acted on, per user, with what was done, so a
 * message re-sent after a reconnect is answered again but never acted on
 * twice. At most `max` ids are kept; the oldest are forgotten first (a Map
 * iterates in insertion order). An id forgotten here is still caught by the
 * chat service, which rejects a second message with the same id in a
 * conversation.
 */
export class ClientMessageIds<Outcome> {
  private readonly outcomes = new Map<string, Outcome>();

  constructor(private readonly max: number) {}

  get(scope: string, id: string): Outcome | undefined {
    return this.outcomes.get(keyOf(scope, id));
  }

  remember(scope: string, id: string, outcome: Outcome): void {
    const key = keyOf(scope, id);
    this.outcomes.delete(key);
    this.outcomes.set(key, outcome);
    while (this.outcomes.size > this.max) {
      const oldest = this.outcomes.keys().next().value;
      if (oldest === undefined) return;
      this.outcomes.delete(oldest);
    }
  }

  forget(scope: string, id: string): void {
    this.outcomes.delete(keyOf(scope, id));
  }

  get size(): number {
    return this.outcomes.size;
  }
}

function keyOf(scope: string, id: string): string {
  return `${scope}\u0000${id}`;
}
