/**
 * A UTF-16 surrogate code unit without its partner. With the `u` flag a
 * valid surrogate pair is one code point and does not match, so only a lone
 * half does (the same test as String.prototype.isWellFormed, which the
 * ES2023 lib types here do not declare).
 */
const UNPAIRED_SURROGATE = /\p{Surrogate}/u;

/** The reason text of every rejection of an unpaired surrogate. */
export const UNPAIRED_SURROGATE_TEXT =
  'contains an unpaired UTF-16 surrogate; send valid Unicode text';

/**
 * Finds the first string in a JSON value (object keys included) that contains
 * an unpaired UTF-16 surrogate, such as one JSON text sent as "\ud800".
 * Such a string cannot be encoded as UTF-8: encodeURIComponent throws on
 * it and PostgreSQL rejects it in json. Returns the path of that string
 * (the containing object's path for a key, empty for the value itself), or
 * undefined when every string is valid. The walk uses its own stack, so a
 * deeply nested body cannot overflow the call stack.
 */
export function findUnpairedSurrogate(value: unknown): (string | number)[] | undefined {
  const pending: Visit[] = [{ value, key: undefined, parent: undefined }];
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    const current = visit.value;
    if (typeof current === 'string') {
      if (UNPAIRED_SURROGATE.test(current)) return pathOf(visit);
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;

    const entries: [string | number, unknown][] = Array.isArray(current)
      ? current.map((item: unknown, index) => [index, item])
      : Object.entries(current);
    if (entries.some(([key]) => typeof key === 'string' && UNPAIRED_SURROGATE.test(key)))
      return pathOf(visit);
    // Reversed, so the first entry is checked first and its path is the one reported.
    for (const [key, item] of entries.reverse()) pending.push({ value: item, key, parent: visit });
  }
  return undefined;
}

/** One value still to check, linked to its parent so only a found path is ever built. */
interface Visit {
  value: unknown;
  key: string | number | undefined;
  parent: Visit | undefined;
}

function pathOf(visit: Visit): (string | number)[] {
  const path: (string | number)[] = [];
  for (let current: Visit | undefined = visit; current?.key !== undefined; current = current.parent)
    path.unshift(current.key);
  return path;
}
