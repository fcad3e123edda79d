import { describe, expect, it } from 'vitest';
import {
  dispersionScore,
  evennessScore,
  labelScore,
  longDurationScore,
  pcr,
  pcrScore,
  periodicFitScore,
  prevalenceFactor,
  rareQtypeScore,
  shannonEntropy,
  significanceScore,
  sizeScore,
  skewScore,
  spanScore,
  toScore100,
  uniqueSubdomainScore,
  volumeScore,
  weighted,
} from '../../src/detect/scores.js';
import { binomialTailLog10, bowleySkew, mad, median, quantileSorted, robustSummary, sortedCopy } from '../../src/detect/stats.js';

const close = (a: number, b: number, d = 3) => expect(a).toBeCloseTo(b, d);

describe('robust statistics', () => {
  it.each([
    { name: 'odd count', v: [5, 1, 3], med: 3, mad: 2 },
    { name: 'even count interpolates', v: [1, 2, 3, 4], med: 2.5, mad: 1 },
    { name: 'constant', v: [7, 7, 7, 7], med: 7, mad: 0 },
    { name: 'one outlier does not move the median', v: [10, 10, 11, 9, 1000], med: 10, mad: 1 },
  ])('$name', ({ v, med, mad: m }) => {
    close(median(v), med);
    close(mad(v), m);
  });

  it.each([
    { name: 'symmetric', v: [1, 2, 3, 4, 5], skew: 0 },
    { name: 'right tail', v: [1, 2, 3, 10, 20], skew: 0.75 },
    { name: 'left tail', v: [1, 10, 18, 19, 20], skew: -0.78 },
    { name: 'all equal', v: [4, 4, 4, 4], skew: 0 },
    { name: 'too short', v: [1, 9], skew: 0 },
  ])('Bowley skew: $name', ({ v, skew }) => {
    close(bowleySkew(sortedCopy(v)), skew, 2);
  });

  it('quantiles interpolate like R type 7', () => {
    const s = sortedCopy([10, 20, 30, 40, 50]);
    close(quantileSorted(s, 0.25), 20);
    close(quantileSorted(s, 0.1), 14);
    expect(Number.isNaN(quantileSorted([], 0.5))).toBe(true);
  });

  it('summary ratios', () => {
    const r = robustSummary([100, 100, 110, 90, 100]);
    expect(r.median).toBe(100);
    close(r.madRatio, 0);
    expect(robustSummary([0, 0, 5]).madRatio).toBe(0);
  });

  it.each([
    { k: 0, n: 10, p: 0.25, log10: 0 },
    { k: 1, n: 1, p: 0.25, log10: Math.log10(0.25) },
    { k: 3, n: 3, p: 0.25, log10: 3 * Math.log10(0.25) },
    // P(X >= 2 | n=3, p=0.5) = 4/8
    { k: 2, n: 3, p: 0.5, log10: Math.log10(0.5) },
    { k: 11, n: 10, p: 0.5, log10: -300 },
  ])('binomial tail k=$k n=$n p=$p', ({ k, n, p, log10 }) => {
    close(binomialTailLog10(k, n, p), log10, 6);
  });

  it('binomial tail stays finite for large n', () => {
    const v = binomialTailLog10(9000, 10000, 0.25);
    expect(v).toBe(-300);
    const w = binomialTailLog10(2600, 10000, 0.25);
    expect(w).toBeLessThan(0);
    expect(w).toBeGreaterThan(-5);
  });
});

describe('score functions (each in [0, 1])', () => {
  it.each([
    { madRatio: 0, full: 0.5, want: 1 },
    { madRatio: 0.15, full: 0.5, want: 0.7 },
    { madRatio: 0.69, full: 0.5, want: 0 },
    { madRatio: 0.15, full: 0.3, want: 0.5 },
    { madRatio: NaN, full: 0.5, want: 0 },
  ])('dispersionScore($madRatio, $full) = $want', ({ madRatio, full, want }) => close(dispersionScore(madRatio, full), want));

  it.each([
    { skew: 0, want: 1 },
    { skew: 0.25, want: 0.75 },
    { skew: -0.5, want: 0.5 },
    { skew: 1, want: 0 },
    { skew: NaN, want: 0 },
  ])('skewScore($skew) = $want', ({ skew, want }) => close(skewScore(skew), want));

  it.each([
    { fit: 1, want: 1 },
    { fit: 0.9, want: 1 },
    { fit: 0.725, want: 0.5 },
    { fit: 0.55, want: 0 },
    { fit: 0.3, want: 0 },
  ])('periodicFitScore($fit) = $want', ({ fit, want }) => close(periodicFitScore(fit), want));

  it.each([
    { occ: 24, bins: 24, want: 1 },
    { occ: 12, bins: 24, want: 0.5 },
    { occ: 0, bins: 0, want: 0 },
  ])('evennessScore($occ/$bins) = $want', ({ occ, bins, want }) => close(evennessScore(occ, bins), want));

  it.each([
    { name: 'whole short input', span: 600, ds: 600, want: 1 },
    { name: 'four hours of a day', span: 4 * 3600, ds: 86400, want: 1 },
    { name: 'one hour of a day', span: 3600, ds: 86400, want: 0.25 },
    { name: 'ten minutes of a day', span: 600, ds: 86400, want: 600 / 14400 },
    { name: 'empty input', span: 0, ds: 0, want: 0 },
  ])('spanScore: $name', ({ span, ds, want }) => close(spanScore(span, ds), want));

  it.each([
    { name: '4 regular beats', k: 3, n: 3, lo: 0.2, hi: 0.35 },
    { name: '10 regular beats', k: 9, n: 9, lo: 0.6, hi: 0.75 },
    { name: '24 regular beats', k: 23, n: 23, lo: 1, hi: 1 },
    { name: '10 of 19 random', k: 10, n: 19, lo: 0.15, hi: 0.35 },
    { name: 'nothing', k: 0, n: 0, lo: 0, hi: 0 },
  ])('significanceScore: $name', ({ k, n, lo, hi }) => {
    const s = significanceScore(k, n);
    expect(s).toBeGreaterThanOrEqual(lo);
    expect(s).toBeLessThanOrEqual(hi);
  });

  it.each([
    { near: 1, madRatio: 0, skew: 0, want: 1 },
    { near: 0, madRatio: 1, skew: 1, want: 0 },
    { near: 0.5, madRatio: 0.15, skew: 0, want: 0.25 + 0.15 + 0.2 },
  ])('sizeScore($near, $madRatio, $skew) = $want', ({ near, madRatio, skew, want }) => close(sizeScore(near, madRatio, skew), want));

  it.each([
    { name: 'small network: no effect', hosts: 5, pop: 8, want: 1 },
    { name: 'one host of many', hosts: 1, pop: 500, want: 1 },
    { name: '10% of hosts', hosts: 10, pop: 100, want: 1 },
    { name: '30% of hosts', hosts: 30, pop: 100, want: 0.65 },
    { name: 'half of hosts', hosts: 50, pop: 100, want: 0.3 },
    { name: 'three quarters of hosts', hosts: 75, pop: 100, want: 0.225 },
    { name: 'all hosts', hosts: 100, pop: 100, want: 0.15 },
  ])('prevalenceFactor: $name', ({ hosts, pop, want }) => close(prevalenceFactor(hosts, pop), want));

  it.each([
    { bytes: 100_000, want: 0 },
    { bytes: 256 * 1024, want: 0.3 },
    { bytes: 100 * 1024 * 1024, want: 1 },
    { bytes: 1e12, want: 1 },
    { bytes: 256 * 1024 * 20, want: 0.3 + 0.7 * (Math.log(20) / Math.log(400)) },
  ])('volumeScore($bytes) = $want', ({ bytes, want }) => close(volumeScore(bytes), want));

  it.each([
    { up: 100, down: 0, ratio: 1, score: 1 },
    { up: 0, down: 100, ratio: -1, score: 0 },
    { up: 50, down: 50, ratio: 0, score: 0 },
    { up: 75, down: 25, ratio: 0.5, score: 0.5 },
    { up: 0, down: 0, ratio: 0, score: 0 },
  ])('pcr($up, $down) = $ratio', ({ up, down, ratio, score }) => {
    close(pcr(up, down), ratio);
    close(pcrScore(pcr(up, down)), score);
  });

  it.each([
    { s: 1800, want: 0 },
    { s: 3600, want: 0.4 },
    { s: 4 * 3600, want: 0.65 },
    { s: 8 * 3600, want: 0.85 },
    { s: 16 * 3600, want: 1 },
    { s: 48 * 3600, want: 1 },
  ])('longDurationScore($s) = $want', ({ s, want }) => close(longDurationScore(s), want));

  it.each([
    { s: '', want: 0 },
    { s: 'aaaa', want: 0 },
    { s: 'abab', want: 1 },
    { s: 'abcdefgh', want: 3 },
  ])('shannonEntropy("$s") = $want', ({ s, want }) => close(shannonEntropy(s), want));

  it.each([
    { n: 10, want: 0 },
    { n: 50, want: 0 },
    { n: 1000, want: 1 },
    { n: 5000, want: 1 },
    { n: Math.round(50 * Math.sqrt(20)), want: 0.5 },
  ])('uniqueSubdomainScore($n) = $want', ({ n, want }) => close(uniqueSubdomainScore(n), want, 2));

  it.each([
    { len: 5, ent: 2, want: 0 },
    { len: 60, ent: 4.5, want: 1 },
    { len: 26, ent: 3.25, want: 0.25 },
    { len: 60, ent: 2.0, want: 0 },
  ])('labelScore($len, $ent) = $want', ({ len, ent, want }) => close(labelScore(len, ent), want));

  it.each([
    { share: 0, want: 0 },
    { share: 0.1, want: 0 },
    { share: 0.35, want: 0.5 },
    { share: 1, want: 1 },
  ])('rareQtypeScore($share) = $want', ({ share, want }) => close(rareQtypeScore(share), want));

  it('weighted sums clamp their parts and the total', () => {
    close(
      weighted([
        [0.5, 1],
        [0.5, 0],
      ]),
      0.5,
    );
    close(
      weighted([
        [0.5, 2],
        [0.5, -1],
      ]),
      0.5,
    );
  });

  it.each([
    { x: 0.9753, want: 97.5 },
    { x: 1.2, want: 100 },
    { x: -1, want: 0 },
  ])('toScore100($x) = $want', ({ x, want }) => expect(toScore100(x)).toBe(want));
});
