/**
 * Robust statistics on small arrays of numbers, used by the beacon and size scores.
 * Every function takes a sorted copy it owns or sorts one itself; none allocates per call
 * beyond that copy. Quantiles use linear interpolation between order statistics (type 7,
 * the default of R and NumPy), so results are reproducible in tests.
 */

/** Quantile `q` (0..1) of an ascending-sorted array; NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (n === 1) return sorted[0];
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Ascending numeric sort into a new Float64Array. */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const a = Float64Array.from(values as ArrayLike<number>);
  a.sort();
  return a;
}

/** Median of any array (NaN when empty). */
export function median(values: ArrayLike<number>): number {
  return quantileSorted(sortedCopy(values), 0.5);
}

/** Median absolute deviation around the median (unscaled); NaN when empty. */
export function mad(values: ArrayLike<number>, med = median(values)): number {
  const dev = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) dev[i] = Math.abs(values[i] - med);
  dev.sort();
  return quantileSorted(dev, 0.5);
}

/**
 * Bowley (quartile) skewness: (Q3 + Q1 - 2 Q2) / (Q3 - Q1), in [-1, 1].
 * 0 for symmetric data and when the quartiles coincide (perfectly regular data).
 */
export function bowleySkew(sorted: ArrayLike<number>): number {
  if (sorted.length < 3) return 0;
  const q1 = quantileSorted(sorted, 0.25);
  const q2 = quantileSorted(sorted, 0.5);
  const q3 = quantileSorted(sorted, 0.75);
  const den = q3 - q1;
  if (!(den > 0)) return 0;
  const s = (q3 + q1 - 2 * q2) / den;
  return s > 1 ? 1 : s < -1 ? -1 : s;
}

/** Summary used in evidence lines and details. */
export interface RobustSummary {
  n: number;
  median: number;
  mad: number;
  /** mad / median (0 when median is 0 and mad is 0; 1 when median is 0 and mad is not). */
  madRatio: number;
  skew: number;
  q05: number;
  q95: number;
}

export function robustSummary(values: ArrayLike<number>): RobustSummary {
  const s = sortedCopy(values);
  const med = quantileSorted(s, 0.5);
  const m = mad(s, med);
  return {
    n: s.length,
    median: med,
    mad: m,
    madRatio: med > 0 ? m / med : m > 0 ? 1 : 0,
    skew: bowleySkew(s),
    q05: quantileSorted(s, 0.05),
    q95: quantileSorted(s, 0.95),
  };
}

/** Clamp to [0, 1]; NaN becomes 0. */
export function clamp01(x: number): number {
  if (!(x > 0)) return 0;
  return x > 1 ? 1 : x;
}

/**
 * log10 of the binomial upper tail P(X >= k) for X ~ Binomial(n, p), computed in log space
 * (stable for n in the tens of thousands). 0 when k <= 0; -Infinity never (floored at -300).
 */
export function binomialTailLog10(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n) return -300;
  if (p <= 0) return -300;
  if (p >= 1) return 0;
  const lp = Math.log(p);
  const lq = Math.log(1 - p);
  // log C(n, k)
  let lc = 0;
  for (let j = 1; j <= k; j++) lc += Math.log((n - k + j) / j);
  let term = lc + k * lp + (n - k) * lq;
  let maxLog = term;
  const terms: number[] = [term];
  for (let i = k + 1; i <= n; i++) {
    term += Math.log((n - i + 1) / i) + lp - lq;
    terms.push(term);
    if (term > maxLog) maxLog = term;
    // Terms fall geometrically once past the mode; stop when negligible.
    if (i > n * p && term < maxLog - 40) break;
  }
  let sum = 0;
  for (const t of terms) sum += Math.exp(t - maxLog);
  const r = (maxLog + Math.log(sum)) / Math.LN10;
  return Math.max(-300, Math.min(0, r));
}
