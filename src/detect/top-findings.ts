/**
 * The per-detector finding cap applied to candidates before their findings are built.
 *
 * DetectionEngine.finish() keeps the `cap` highest findings of a detector, in the order of a
 * stable sort by byScoreThenId: score descending, then finding_id ascending, then the order
 * the detector made them. A detector with many more candidates than the cap (a scan-heavy
 * capture's suspicious ports: 28,134 candidates for a cap of 10,000 on the bench capture)
 * need not build, hash and sort them all: the scores (numbers) tell which candidates are in
 * for sure (above the cap-th score), which are out (below it), and only the candidates that
 * tie with the cap-th score need their finding_id to be told apart. selectTop() returns which
 * candidates survive; the detector builds only those, and the engine counts the cap hit as
 * before (detect_findings_cap).
 */

/**
 * Which of `n` candidates the cap keeps, by (score desc, id asc, index asc).
 * @param scores each candidate's score as the finding will carry it (rounded)
 * @param idOf a candidate's finding_id; asked only for candidates tied at the cap-th score
 * @returns null when all are kept (n <= cap) or a score is NaN (no order to select by: the
 *   caller builds everything and the engine sorts and cuts as it always did); else the
 *   indexes of the `cap` kept candidates: those above the cap-th score in index order, then
 *   those kept at that score in (id, index) order, so the engine's sort finds the second
 *   part already in order
 */
export function selectTop(scores: ArrayLike<number>, n: number, cap: number, idOf: (i: number) => string): Int32Array | null {
  if (n <= cap) return null;
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (s !== s) return null;
    sorted[i] = s;
  }
  sorted.sort();
  // The cap-th highest score, and how many candidates score strictly above it.
  const edge = sorted[n - cap];
  const out = new Int32Array(cap);
  let k = 0;
  const ties: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (s > edge) out[k++] = i;
    else if (s === edge) ties.push(i);
  }
  const room = cap - k;
  if (ties.length > room) sortById(ties, idOf);
  for (let j = 0; j < room; j++) out[k++] = ties[j];
  return out;
}

/** A finding_id as made by findingId(): 16 lower-case hex digits. */
const HEX16 = /^[0-9a-f]{16}$/;

/**
 * Sort candidate indexes by (id, index). Ids of 16 lower-case hex digits (all finding_ids)
 * compare as two 32-bit numbers, in the order their texts compare.
 */
function sortById(idx: number[], idOf: (i: number) => string): void {
  const m = idx.length;
  const ids: string[] = new Array<string>(m);
  let hex = true;
  for (let j = 0; j < m; j++) {
    const id = idOf(idx[j]);
    ids[j] = id;
    if (hex && !HEX16.test(id)) hex = false;
  }
  const pos = new Int32Array(m);
  for (let j = 0; j < m; j++) pos[j] = j;
  let sorted: Int32Array;
  if (hex) {
    const hi = new Float64Array(m);
    const lo = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      hi[j] = hexWord(ids[j], 0);
      lo[j] = hexWord(ids[j], 8);
    }
    sorted = pos.sort((a, b) => hi[a] - hi[b] || lo[a] - lo[b] || idx[a] - idx[b]);
  } else {
    sorted = pos.sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : idx[a] - idx[b]));
  }
  const copy = idx.slice();
  for (let j = 0; j < m; j++) idx[j] = copy[sorted[j]];
}

/** The value of 8 lower-case hex digits of `s` from `off`. */
function hexWord(s: string, off: number): number {
  let v = 0;
  for (let k = 0; k < 8; k++) {
    const c = s.charCodeAt(off + k);
    v = v * 16 + (c <= 57 ? c - 48 : c - 87);
  }
  return v;
}
