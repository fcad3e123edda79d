/**
 * Shared history strings. A connection's history (`ShADadFf`) grows one letter at a time;
 * built with `+=` each connection would hold a chain of cons strings (about 30 bytes per
 * letter, plus the GC work of tracing them). Real traffic has few distinct histories, so
 * every history string is interned here and connections point at the shared copy.
 *
 * Cap: at most MAX_SHARED_HISTORIES distinct strings are kept (a few hundred KB). Past the
 * cap a new history is built as before, per connection, and counted in `historyStrings.unshared`.
 * The cache is per process and never changes what is logged, only where the string lives.
 */

/** Distinct histories kept: real captures show a few hundred; crafted input could make more. */
export const MAX_SHARED_HISTORIES = 8192;

/** Shared history strings and their ids (a connection keeps the small id, not a pointer). */
const shared = new Map<string, number>([['', 0]]);
const texts: string[] = [''];

/** Counters of the shared history cache (process-wide). */
export const historyStrings = {
  /** Distinct histories interned. */
  get size(): number {
    return shared.size;
  },
  /** Histories built per connection because the cache was full. */
  unshared: 0,
};

/**
 * The history `history` followed by the letter(s) `code`, as a shared string when possible.
 * @param history the current history (shared or not)
 * @param code the letters to append
 * @returns the new history string
 */
export function appendHistory(history: string, code: string): string {
  const s = history + code;
  const id = shared.get(s);
  if (id !== undefined) return texts[id];
  if (shared.size < MAX_SHARED_HISTORIES) {
    shared.set(s, texts.length);
    texts.push(s);
  } else {
    historyStrings.unshared++;
  }
  return s;
}

/**
 * @param s a history string
 * @returns its id when it is shared (0 for the empty history), -1 otherwise
 */
export function historyId(s: string): number {
  return shared.get(s) ?? -1;
}

/**
 * @param id an id from historyId
 * @returns the shared history string
 */
export function historyText(id: number): string {
  return texts[id];
}
