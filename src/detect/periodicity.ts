/**
 * Interval analysis for beacons: finds the dominant interval(s) of a series of callbacks
 * while tolerating jitter, missed callbacks and an implant that switches between sleeps.
 *
 * Method (ours, documented): the intervals are sorted; the densest multiplicative window
 * [x, x * MODE_WINDOW_RATIO) is the main mode (a ratio of 2 holds a uniform jitter of
 * ±33%, more than the ±30% default of common C2 frameworks). Intervals near 2, 3 or 4 times
 * the mode centre count as missed callbacks. Up to MAX_EXTRA_MODES further modes are accepted
 * when each explains at least EXTRA_MODE_MIN_SHARE of the intervals (several sleeps used by
 * one implant). Harmonics and extra modes count only once the main mode explains
 * EXTRA_MODES_MIN_MAIN_SHARE of the intervals.
 * `fit` is the share of intervals explained. For Poisson (random) traffic the densest
 * window holds about 25% of the intervals, so the fit stays well below 0.5; for a jittered
 * beacon it is near 1.
 */
import { quantileSorted } from './stats.js';

/** Ratio of the upper to the lower bound of one mode window (±33% uniform jitter). */
export const MODE_WINDOW_RATIO = 2.0;
/**
 * Relative half-width of the harmonic window around 2 x centre (missed callbacks); the
 * window around k x centre is this / sqrt(k / 2), since the jitter of k summed intervals
 * grows as sqrt(k) while the interval grows as k.
 */
export const HARMONIC_TOLERANCE = 0.25;
/** Highest multiple of the main interval taken as missed callbacks. */
export const MAX_HARMONIC = 4;
/** Further modes considered after the main one (several sleeps in one implant). */
export const MAX_EXTRA_MODES = 2;
/** Intervals an extra mode must hold to count. */
export const EXTRA_MODE_MIN_COUNT = 3;
/** Share of all intervals an extra mode must explain to count. */
export const EXTRA_MODE_MIN_SHARE = 0.05;
/**
 * Share the main mode must explain before harmonics and extra modes count: the densest
 * window of Poisson traffic holds about 25-30% of the intervals (more for a few dozen by
 * chance), and without this gate harmonics and two or three such windows would make random
 * traffic look like a multi-interval implant with missed callbacks.
 */
export const EXTRA_MODES_MIN_MAIN_SHARE = 0.5;

export interface IntervalModes {
  /** Centre (median of its members) of the main mode, seconds. */
  interval: number;
  /** Half of the central 90% range of the main-mode intervals, relative to the centre. */
  jitter: number;
  /** Share of intervals in the main mode window. */
  mainShare: number;
  /** Share explained by the main mode, its harmonics and accepted extra modes. */
  fit: number;
  /** Share explained by harmonics (missed callbacks). */
  missedShare: number;
  /** Centres of all accepted modes, main first. */
  modes: number[];
  /** mad/median of the main-mode intervals. */
  madRatio: number;
}

/** Densest window over `sorted` restricted to indices where `used[i]` is 0. */
function densestWindow(sorted: Float64Array, used: Uint8Array): { lo: number; hi: number; count: number } {
  let best = { lo: -1, hi: -1, count: 0 };
  const n = sorted.length;
  let j = 0;
  let inWin = 0;
  for (let i = 0; i < n; i++) {
    if (j < i) {
      j = i;
      inWin = 0;
    }
    const limit = sorted[i] * MODE_WINDOW_RATIO;
    while (j < n && sorted[j] < limit) {
      if (!used[j]) inWin++;
      j++;
    }
    if (!used[i] && inWin > best.count) best = { lo: i, hi: j, count: inWin };
    if (!used[i]) inWin--;
  }
  return best;
}

/**
 * Find the interval modes of a set of intervals (seconds, any order, all > 0).
 * @param intervals time between consecutive callbacks
 * @returns the modes, or null when there are fewer than 2 intervals
 */
export function intervalModes(intervals: ArrayLike<number>): IntervalModes | null {
  const n = intervals.length;
  if (n < 2) return null;
  const sorted = Float64Array.from(intervals as ArrayLike<number>);
  sorted.sort();
  const used = new Uint8Array(n);
  const main = densestWindow(sorted, used);
  if (main.count === 0) return null;
  const members: number[] = [];
  for (let i = main.lo; i < main.hi; i++) {
    used[i] = 1;
    members.push(sorted[i]);
  }
  const centre = quantileSorted(members, 0.5);
  const spread = (quantileSorted(members, 0.95) - quantileSorted(members, 0.05)) / 2;
  const dev = members.map((v) => Math.abs(v - centre)).sort((a, b) => a - b);
  const madRatio = centre > 0 ? quantileSorted(dev, 0.5) / centre : 0;
  let explained = main.count;
  let missed = 0;
  const extrasAllowed = main.count / n >= EXTRA_MODES_MIN_MAIN_SHARE;
  for (let k = 2; extrasAllowed && k <= MAX_HARMONIC; k++) {
    const tol = HARMONIC_TOLERANCE / Math.sqrt(k / 2);
    const lo = k * centre * (1 - tol);
    const hi = k * centre * (1 + tol);
    for (let i = 0; i < n; i++) {
      if (!used[i] && sorted[i] >= lo && sorted[i] <= hi) {
        used[i] = 1;
        missed++;
      }
    }
  }
  explained += missed;
  const modes = [centre];
  for (let m = 0; extrasAllowed && m < MAX_EXTRA_MODES; m++) {
    const w = densestWindow(sorted, used);
    if (w.count < EXTRA_MODE_MIN_SHARE * n || w.count < EXTRA_MODE_MIN_COUNT) break;
    const extra: number[] = [];
    for (let i = w.lo; i < w.hi; i++) {
      if (!used[i]) {
        used[i] = 1;
        extra.push(sorted[i]);
      }
    }
    explained += extra.length;
    modes.push(quantileSorted(extra, 0.5));
  }
  return {
    interval: centre,
    jitter: centre > 0 ? spread / centre : 0,
    mainShare: main.count / n,
    fit: explained / n,
    missedShare: missed / n,
    modes,
    madRatio,
  };
}
