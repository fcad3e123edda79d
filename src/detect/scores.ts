/**
 * Pure score functions. Every function returns a number in [0, 1] (1 = most suspicious or
 * most regular) and depends only on its arguments, so each one is table-tested
 * (test/detect/scores.test.ts). The detectors combine them with the weights documented in
 * config.ts; `toScore100` turns a [0, 1] total into the 0..100 finding score.
 */
import { binomialTailLog10, clamp01 } from './stats.js';

/**
 * Regularity from a relative dispersion (mad / median): 1 when there is none, 0 at `full`
 * or more. With the default full = 0.5 a uniform ±30% jitter (mad/median ≈ 0.15) keeps 0.7,
 * while exponential (random) intervals (mad/median ≈ 0.69) give 0.
 */
export function dispersionScore(madRatio: number, full = 0.5): number {
  if (!(madRatio >= 0)) return 0;
  return clamp01(1 - madRatio / full);
}

/** Symmetry from a Bowley skew in [-1, 1]: 1 - |skew| (RITA's tsSkew/dsSkew score). */
export function skewScore(skew: number): number {
  if (!Number.isFinite(skew)) return 0;
  return clamp01(1 - Math.abs(skew));
}

/**
 * Periodicity from the share of intervals explained by the interval modes (periodicity.ts):
 * 0 at or below `floor` (Poisson traffic stays near 0.3-0.5), 1 at or above `ceil`.
 */
export function periodicFitScore(fit: number, floor = 0.55, ceil = 0.9): number {
  if (!(ceil > floor)) return fit >= ceil ? 1 : 0;
  return clamp01((fit - floor) / (ceil - floor));
}

/**
 * Evenness of the beats over their own span: share of `bins` equal time bins that hold at
 * least one beat, rescaled so that the best possible value for `n` beats is 1.
 */
export function evennessScore(occupiedBins: number, bins: number): number {
  if (bins <= 0) return 0;
  return clamp01(occupiedBins / bins);
}

/**
 * How much of the observed time the beacon spans: its span over min(dataset span, `fullSpan`).
 * A beacon that lasts `fullSpan` seconds (default 4 h) or the whole input scores 1, a burst
 * of a few minutes in a day of data scores near 0.
 */
export function spanScore(span: number, datasetSpan: number, fullSpan = 4 * 3600): number {
  const ref = Math.min(datasetSpan, fullSpan);
  if (!(ref > 0)) return span > 0 ? 1 : 0;
  return clamp01(span / ref);
}

/**
 * Confidence that the main interval mode is not chance: -log10 of the probability that at
 * least `inMode` of `n` intervals fall in one window of ratio 2 if the callbacks were random
 * (Poisson). For exponential intervals no such window holds more than p0 = 0.25 of the mass
 * (max of e^-x - e^-2x), so the binomial tail with p0 = 0.25 is a conservative bound.
 * Scaled so that 1e-`full` (default 1e-8) or less gives 1. It grows with the number of
 * beats: 4 regular beats give 0.3, 10 give 0.68, 24 give 1; 10 of 19 random ones about 0.25.
 */
export function significanceScore(inMode: number, n: number, full = 8, p0 = 0.25): number {
  if (n <= 0 || inMode <= 0) return 0;
  return clamp01(-binomialTailLog10(inMode, n, p0) / full);
}

/**
 * Size regularity of the beats: mixes the share of beats within ±`tol` of the median size
 * (`nearShare`), the dispersion and the skew. Weights 0.5 / 0.3 / 0.2.
 */
export function sizeScore(nearShare: number, madRatio: number, skew: number): number {
  return clamp01(0.5 * clamp01(nearShare) + 0.3 * dispersionScore(madRatio, 0.3) + 0.2 * skewScore(skew));
}

/**
 * Factor (0.15..1) for how common a destination is among internal hosts. Below
 * `minPopulation` internal hosts prevalence says nothing (1). Otherwise 1 at or below a
 * share of `low` (10%), falling linearly to 0.3 at a share of `high` (50%), then to 0.15
 * when every internal host talks to it.
 */
export function prevalenceFactor(
  hostsTalking: number,
  internalHosts: number,
  minPopulation = 10,
  low = 0.1,
  high = 0.5,
): number {
  if (internalHosts < minPopulation || hostsTalking <= 1) return 1;
  const share = Math.min(1, hostsTalking / internalHosts);
  if (share <= high) return 1 - 0.7 * clamp01((share - low) / (high - low));
  return high >= 1 ? 0.3 : 0.3 - 0.15 * clamp01((share - high) / (1 - high));
}

/**
 * Volume score on a log scale: 0 below `min` bytes, 1 at `full` bytes or more.
 * Defaults are the cleartext_exfil thresholds (256 KiB and 100 MiB).
 */
export function volumeScore(bytes: number, min = 256 * 1024, full = 100 * 1024 * 1024): number {
  if (!(bytes >= min)) return 0;
  if (bytes >= full) return 1;
  // 0.3 at the minimum, so reaching the threshold is already worth reporting.
  return clamp01(0.3 + (0.7 * Math.log(bytes / min)) / Math.log(full / min));
}

/**
 * Producer/consumer ratio (PCR, (up - down) / (up + down), in [-1, 1]) as a score:
 * 0 for pure downloads and balanced traffic (PCR <= 0), 1 for pure uploads.
 */
export function pcr(up: number, down: number): number {
  const t = up + down;
  return t > 0 ? (up - down) / t : 0;
}

export function pcrScore(ratio: number): number {
  return clamp01(ratio);
}

/**
 * Duration score for long connections: 0 below `t1`, 0.4 at t1 (1 h), 0.65 at t2 (4 h),
 * 0.85 at t3 (8 h), rising to 1 at 2 x t3 (linear between the points).
 */
export function longDurationScore(seconds: number, t1 = 3600, t2 = 4 * 3600, t3 = 8 * 3600): number {
  if (!(seconds >= t1)) return 0;
  if (seconds < t2) return 0.4 + (0.25 * (seconds - t1)) / (t2 - t1);
  if (seconds < t3) return 0.65 + (0.2 * (seconds - t2)) / (t3 - t2);
  return Math.min(1, 0.85 + (0.15 * (seconds - t3)) / t3);
}

/** Shannon entropy in bits per character of a string (0 for empty). */
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const c of counts.values()) {
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * Unique-subdomain score for DNS tunnels: 0 up to `min` (default 50) unique names under one
 * registered domain, 1 at `full` (default 1000), log scale between.
 */
export function uniqueSubdomainScore(unique: number, min = 50, full = 1000): number {
  if (!(unique > min)) return 0;
  if (unique >= full) return 1;
  return clamp01(Math.log(unique / min) / Math.log(full / min));
}

/**
 * Label score for DNS tunnels from the mean length and mean entropy of the leftmost labels:
 * encoded payloads (base32/base64/hex) are long (> 20) with entropy > 3.5 bits per character.
 * Each part ramps linearly: length 12..40, entropy 2.5..4.0; the score is their product.
 */
export function labelScore(meanLength: number, meanEntropy: number): number {
  const l = clamp01((meanLength - 12) / (40 - 12));
  const e = clamp01((meanEntropy - 2.5) / (4.0 - 2.5));
  return l * e;
}

/** Record-type score for DNS tunnels: share of TXT/NULL/other data-carrying types, 0 below 10%, 1 at 60%. */
export function rareQtypeScore(share: number): number {
  return clamp01((share - 0.1) / 0.5);
}

/** Combine [0,1] sub-scores with weights that sum to 1; the result is in [0, 1]. */
export function weighted(parts: readonly (readonly [number, number])[]): number {
  let s = 0;
  for (const [w, v] of parts) s += w * clamp01(v);
  return clamp01(s);
}

/** A [0,1] total as the 0..100 finding score, rounded to one decimal. */
export function toScore100(x: number): number {
  return Math.round(clamp01(x) * 1000) / 10;
}

/**
 * Score of weak evidence (a port such as 8080/8443 that C2 listeners share with proxies and
 * dev servers) backed by `signals` independent corroborating signals (periodicity, rarity,
 * an unknown or out-of-place protocol): weak alone stays at `weak` (not reported), one
 * signal makes it medium (0.5), two high (0.72), three or more 0.85. Issue 6: "Plain
 * 8080/8443 alone is weak evidence; combined with periodicity, rarity or an unknown
 * protocol it is strong."
 */
export function corroboratedScore(signals: number, weak = 0.15): number {
  if (!(signals >= 1)) return clamp01(weak);
  if (signals < 2) return Math.max(weak, 0.5);
  if (signals < 3) return Math.max(weak, 0.72);
  return Math.max(weak, 0.85);
}
