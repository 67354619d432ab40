/**
 * Remembers the tool calls of one answer. A call with the same tool name
 * and arguments as an earlier one would return the same thing again, which
 * is how a model loops, so the answer stops instead of running it.
 */
export class RepeatedCallGuard {
  private readonly seen = new Set<string>();
  private repeatedTool: string | null = null;

  /** Records the call and returns true when an identical call came before. */
  isRepeat(toolName: string, input: unknown): boolean {
    const key = `${toolName} ${canonicalJson(input)}`;
    if (!this.seen.has(key)) {
      this.seen.add(key);
      return false;
    }
    this.repeatedTool = toolName;
    return true;
  }

  get repeated(): boolean {
    return this.repeatedTool !== null;
  }
}

/** JSON with object keys sorted, so argument order does not make two calls differ. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
    const entries = Object.entries(item as Record<string, unknown>);
    return Object.fromEntries(entries.sort(([left], [right]) => left.localeCompare(right)));
  });
}
