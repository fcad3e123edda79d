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
 * Letters with a column in the transition table (every history letter Zeek writes, both cases).
 * Each shared history keeps, per letter, the id of the history one letter longer once it was
 * built: a connection adding a letter then reads one array element instead of concatenating
 * strings and looking the result up (twice: appendHistory, then historyId).
 */
const LETTERS = 'SHADFRTGWIQCshadfrtgwiqc^';
const N_LETTERS = LETTERS.length;
/** Column of a letter by its char code (0-127), -1 when it has none. */
const letterColumn = new Int8Array(128).fill(-1);
for (let j = 0; j < N_LETTERS; j++) letterColumn[LETTERS.charCodeAt(j)] = j;
/** next id + 1 by id * N_LETTERS + column (0: not built yet); MAX_SHARED_HISTORIES rows, about 800 KB. */
const transitions = new Int32Array(MAX_SHARED_HISTORIES * N_LETTERS);

/**
 * The id of shared history `id` followed by the one letter `code`, interning it when needed
 * (the same cache and cap as appendHistory).
 * @param id the current history's id (historyId, >= 0)
 * @param code one letter to append
 * @returns the new history's id, or -1 when it cannot be shared (cache full, or `code` is not
 *          one of the letters with a column): then use appendHistory, which counts it
 */
export function nextHistoryId(id: number, code: string): number {
  const ch = code.length === 1 ? code.charCodeAt(0) : 128;
  const col = ch < 128 ? letterColumn[ch] : -1;
  if (col < 0) return -1;
  const t = id * N_LETTERS + col;
  const known = transitions[t];
  if (known !== 0) return known - 1;
  const s = texts[id] + code;
  let next = shared.get(s);
  if (next === undefined) {
    if (shared.size >= MAX_SHARED_HISTORIES) return -1;
    next = texts.length;
    shared.set(s, next);
    texts.push(s);
  }
  transitions[t] = next + 1;
  return next;
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
