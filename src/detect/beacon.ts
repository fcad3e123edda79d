/**
 * `beacon`: periodic callbacks from an internal host to one destination.
 *
 * Grouping: per source, every successful connection goes under the destination *name*
 * when one is known (TLS SNI or HTTP Host of that connection by uid, else the DNS answer
 * that resolved the address for this source) and under the destination address otherwise,
 * so a beacon over rotating CDN addresses is one beacon, and a connection is counted once.
 * Connections through an internal HTTP proxy (CONNECT or absolute URI) are grouped under
 * the requested name and count as outbound (RITA's "proxy beacons").
 *
 * Score (0..1 before context): weighted sum of
 *   timing   = 0.6 periodic fit (periodicity.ts) + 0.25 dispersion (mad/median) + 0.15 skew (Bowley)
 *   size     = sizeScore(share near the median, mad/median, skew) of the bytes sent per callback
 *   coverage = 0.5 span (beacon span / min(input span, 4 h)) + 0.5 evenness (occupied time bins)
 * times (0.3 + 0.7 significance), where significance (scores.ts) is how unlikely the main
 * interval mode is for random callbacks and grows with the number of beats,, then x periodicFactor when periodic by design and
 * x prevalence. Failed attempts are not beats; a destination with only failed attempts
 * (an implant retrying an unreachable C2) is scored on the attempts' timing alone and
 * capped at 0.6 (medium).
 */
import type { Direction, Finding } from '../core/finding.js';
import type { DetectContext } from './context.js';
import { buildFinding, c2Techniques, fmt, fmtDuration, looksLikeAddress } from './context.js';
import type { PairIndex } from './pairs.js';
import { BEAT_WIDTH, ListCounter, PROTO_NAME } from './pairs.js';
import { intervalModes } from './periodicity.js';
import { NO_INFO, refProxied } from './uid-join.js';
import {
  dispersionScore,
  evennessScore,
  periodicFitScore,
  prevalenceFactor,
  significanceScore,
  sizeScore,
  skewScore,
  spanScore,
  weighted,
} from './scores.js';
import { bowleySkew, clamp01, quantileSorted, robustSummary, sortedCopy } from './stats.js';

/** Most time bins used for the evenness score (one per hour over a day). */
const EVENNESS_MAX_BINS = 24;
/** Relative tolerance of "near the median size". */
const SIZE_NEAR_TOLERANCE = 0.2;
/** Absolute tolerance of "near the median size", bytes (small requests vary by a few bytes). */
const SIZE_NEAR_MIN_BYTES = 32;
/** Highest score of a destination seen only through failed attempts. */
const RETRY_SCORE_CAP = 0.6;

export interface BeaconEstimate {
  /** Callbacks after merging bursts. */
  beats: number;
  /** Connections before merging. */
  conns: number;
  interval: number;
  jitter: number;
  fit: number;
  missedShare: number;
  modes: number[];
  first: number;
  last: number;
  sizeMedian: number;
  sizeMad: number;
  timing: number;
  fitScore: number;
  dispersion: number;
  skew: number;
  size: number;
  span: number;
  evenness: number;
  coverage: number;
  confidence: number;
  /** Weighted, confidence-scaled score before context factors. */
  base: number;
  /** The most recent callback times (at most MAX_REPORTED_BEATS, contiguous, so their differences are the real intervals), for charts. */
  beatTimes: number[];
}

/** Callback times a beacon finding carries in `details.timestamps` (contiguous, the most recent). */
export const MAX_REPORTED_BEATS = 500;

export interface BeaconWeights {
  timing: number;
  size: number;
  coverage: number;
  fullSpan: number;
  maxMergeGap: number;
  minBeats: number;
}

/**
 * Score one group of callbacks. Pure: same input, same output.
 * @param ts start times (any order), seconds
 * @param sizes bytes sent per connection (same order), or null for attempts without sizes
 * @param datasetSpan seconds covered by the whole input
 * @returns the estimate, or null when there are fewer than minBeats callbacks after merging
 */
export function analyzeBeats(
  ts: readonly number[],
  sizes: readonly number[] | null,
  datasetSpan: number,
  w: BeaconWeights,
): BeaconEstimate | null {
  const n = ts.length;
  if (n < w.minBeats) return null;
  // Most groups are stored in time order already: sort (stably) only when they are not.
  let inOrder = true;
  for (let i = 1; i < n; i++) {
    if (ts[i] < ts[i - 1]) {
      inOrder = false;
      break;
    }
  }
  const order = inOrder ? null : Array.from({ length: n }, (_, i) => i).sort((a, b) => ts[a] - ts[b] || a - b);
  const at = (i: number): number => (order === null ? i : order[i]);
  const rawSorted = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) rawSorted[i - 1] = ts[at(i)] - ts[at(i - 1)];
  rawSorted.sort();
  // Connections opened together (a burst per callback) are one callback.
  const gap = Math.min(w.maxMergeGap, 0.1 * quantileSorted(rawSorted, 0.75));
  const bTs: number[] = [];
  const bSize: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = ts[at(i)];
    const sz = sizes ? sizes[at(i)] : 0;
    if (bTs.length > 0 && t - bTs[bTs.length - 1] <= gap) {
      bSize[bSize.length - 1] += sz;
      continue;
    }
    bTs.push(t);
    bSize.push(sz);
  }
  const m = bTs.length;
  if (m < w.minBeats) return null;
  const intervals: number[] = [];
  for (let i = 1; i < m; i++) intervals.push(bTs[i] - bTs[i - 1]);
  const modes = intervalModes(intervals);
  if (!modes) return null;
  const fitScore = periodicFitScore(modes.fit);
  const dispersion = dispersionScore(modes.madRatio);
  const skew = skewScore(bowleySkew(sortedCopy(intervals)));
  const timing = 0.6 * fitScore + 0.25 * dispersion + 0.15 * skew;

  let size = 0;
  let sizeMedian = 0;
  let sizeMad = 0;
  if (sizes) {
    const s = robustSummary(bSize);
    sizeMedian = s.median;
    sizeMad = s.mad;
    const tol = Math.max(SIZE_NEAR_MIN_BYTES, SIZE_NEAR_TOLERANCE * s.median);
    let near = 0;
    for (const v of bSize) if (Math.abs(v - s.median) <= tol) near++;
    size = sizeScore(near / m, s.madRatio, s.skew);
  }

  const first = bTs[0];
  const last = bTs[m - 1];
  const spanSec = last - first;
  const span = spanScore(spanSec, datasetSpan, w.fullSpan);
  const bins = Math.max(1, Math.min(EVENNESS_MAX_BINS, Math.floor(m / 2)));
  const occupied = new Uint8Array(bins);
  for (const t of bTs) {
    const b = spanSec > 0 ? Math.min(bins - 1, Math.floor(((t - first) / spanSec) * bins)) : 0;
    occupied[b] = 1;
  }
  let occ = 0;
  for (const o of occupied) occ += o;
  const evenness = evennessScore(occ, bins);
  const coverage = 0.5 * span + 0.5 * evenness;
  const confidence = significanceScore(Math.round(modes.mainShare * intervals.length), intervals.length);
  const total = sizes
    ? weighted([
        [w.timing, timing],
        [w.size, size],
        [w.coverage, coverage],
      ])
    : weighted([
        [0.7, timing],
        [0.3, coverage],
      ]);
  const base = clamp01(total * (0.3 + 0.7 * confidence));
  return {
    beats: m,
    conns: n,
    interval: modes.interval,
    jitter: modes.jitter,
    fit: modes.fit,
    missedShare: modes.missedShare,
    modes: modes.modes,
    first,
    last,
    sizeMedian,
    sizeMad,
    timing,
    fitScore,
    dispersion,
    skew,
    size,
    span,
    evenness,
    coverage,
    confidence,
    base,
    beatTimes: bTs.slice(Math.max(0, m - MAX_REPORTED_BEATS)).map((t) => Math.round(t * 1000) / 1000),
  };
}

interface Group {
  src: string;
  key: string;
  name: string | null;
  ts: number[];
  sizes: number[];
  failedTs: number[];
  /** Destination address ids (ctx.addrs). */
  addrs: ListCounter<number>;
  ports: ListCounter<number>;
  services: ListCounter<string>;
  sources: number;
  conns: number;
  origBytes: number;
  respBytes: number;
  proxied: boolean;
  dropped: number;
  /** Last time of a pair whose connections past the beat cap are counted here (-Infinity if none). */
  lastSeen: number;
  /**
   * The last pair whose port/service counts were added (-1: none). A pair's items are
   * consecutive, so a group meets a pair again only within that run: one number tells
   * whether the pair was counted.
   */
  lastPair: number;
  /** Direction of the first pair (proxied connections count as outbound). */
  dir: Direction;
}

function newGroup(src: string, key: string, name: string | null, dir: Direction): Group {
  return {
    src,
    key,
    name,
    ts: [],
    sizes: [],
    failedTs: [],
    addrs: new ListCounter(16),
    ports: new ListCounter(8),
    services: new ListCounter(8),
    sources: 0,
    conns: 0,
    origBytes: 0,
    respBytes: 0,
    proxied: false,
    dropped: 0,
    lastSeen: -Infinity,
    lastPair: -1,
    dir,
  };
}

/** Result of the beacon pass, used by other detectors (periodicity makes a port or upload stronger). */
export interface BeaconResult {
  findings: Finding[];
  /** `src|dstAddr` of every pair that is part of a reported beacon. */
  beaconPairs: Set<string>;
}

/**
 * The group key of each beat and failed attempt of one source's pairs, computed once per
 * source and run-length encoded: consecutive beats of a pair with the same (key, name,
 * proxied) are one segment, so a pair whose beats all share a key is one entry. Segment j
 * covers beats [from[j], to[j]) of pair[j] (a pair id), or the pair's failed attempts when
 * from[j] is -1. Each distinct key has a slot (slot[j]; keys[s] in first-seen order) with
 * the number of beats or failed attempts under it (counts[s]), so grouping looks up no
 * string. A pair's segments are consecutive.
 */
interface Items {
  pair: number[];
  from: number[];
  to: number[];
  key: string[];
  name: (string | null)[];
  proxied: boolean[];
  slot: number[];
  keys: string[];
  counts: number[];
}

/**
 * looksLikeAddress(s), remembered for the last text: a source's pairs mostly repeat one
 * name (a CDN name over many addresses, the same interned SNI), so the pattern runs once
 * per run of equal names instead of twice per pair.
 */
let lastTested = '';
let lastLooksLikeAddress = false;
function addressLike(s: string): boolean {
  if (s !== lastTested) {
    lastTested = s;
    lastLooksLikeAddress = looksLikeAddress(s);
  }
  return lastLooksLikeAddress;
}

/** No name ref (NO_INFO is -1, refs are >= 0). */
const NO_REF = -2;

/** Slot of a key in `it` (a new one on first sight). */
function slotOf(it: Items, slots: Map<string, number>, key: string): number {
  let s = slots.get(key);
  if (s === undefined) {
    s = it.keys.length;
    slots.set(key, s);
    it.keys.push(key);
    it.counts.push(0);
  }
  return s;
}

/**
 * The items of one source's pairs.
 * @param ids pair ids of one source, in creation order
 * @param from, to the source's range in ids
 */
function itemsOf(ctx: DetectContext, pairs: PairIndex, ids: Int32Array, from: number, to: number): Items {
  const it: Items = { pair: [], from: [], to: [], key: [], name: [], proxied: [], slot: [], keys: [], counts: [] };
  const slots = new Map<string, number>();
  const uids = ctx.uids;
  const text = pairs.addrs.text;
  const anyProxied = ctx.anyProxiedUid;
  for (let x = from; x < to; x++) {
    const p = ids[x];
    const considered = ctx.considered(pairs.dirOf(p));
    // Beats of traffic not considered count only through a proxy that names the host.
    if (!considered && !anyProxied) continue;
    const dstId = pairs.dstIdOf(p);
    const dst = text[dstId];
    // ctx.nameFor's fallback, by the pair's address ids.
    const dnsName = considered ? ctx.dnsNameOf(pairs.srcIdOf(p), dstId, dst) : null;
    const dnsUsable = dnsName !== null && !addressLike(dnsName) ? dnsName : null;
    const nb = pairs.beatCount(p);
    const more = nb > 1 ? pairs.beatsOf(p)! : null;
    // Open segment: -1 when none.
    let open = -1;
    // What a name ref gives (skip, name, proxied) depends on the ref alone: a pair's beats
    // mostly repeat the one before, so it is worked out once per run of equal refs.
    let lastRef = NO_REF;
    let skip = false;
    let name: string | null = null;
    let proxied = false;
    for (let i = 0; i < nb; i++) {
      const ref = i === 0 ? pairs.ref0Of(p) : more![BEAT_WIDTH * (i - 1) + 3];
      if (ref !== lastRef) {
        lastRef = ref;
        skip = false;
        proxied = false;
        if (ref === NO_INFO) {
          skip = !considered;
          name = dnsUsable;
        } else {
          const infoName = uids.nameOf(ref);
          const infoProxied = refProxied(ref);
          skip = !considered && !(infoProxied && infoName);
          name = infoName ?? dnsName;
          if (name && addressLike(name)) name = null;
          proxied = infoProxied && !considered;
        }
      }
      if (skip) continue;
      const key = name ?? dst;
      if (open >= 0 && it.to[open] === i && it.key[open] === key && it.name[open] === name && it.proxied[open] === proxied) {
        it.to[open] = i + 1;
        it.counts[it.slot[open]]++;
        continue;
      }
      open = it.pair.length;
      // A pair's segments nearly always share the key of the one before.
      const s = open > 0 && it.key[open - 1] === key ? it.slot[open - 1] : slotOf(it, slots, key);
      it.pair.push(p);
      it.from.push(i);
      it.to.push(i + 1);
      it.key.push(key);
      it.name.push(name);
      it.proxied.push(proxied);
      it.slot.push(s);
      it.counts[s]++;
    }
    const fTs = pairs.failedTsOf(p);
    if (considered && (fTs !== null || nb > 0)) {
      const key = dnsUsable ?? dst;
      const j = it.pair.length;
      const same = j > 0 && it.key[j - 1] === key;
      // Without failed attempts, the failed-attempt entry of a pair with beats only names its
      // key (for prevalence) and may make its group: when the pair's last beat segment has the
      // same key (it always comes right before), that segment does both already.
      if (same && fTs === null && pairs.failedDroppedOf(p) === 0) continue;
      const s = same ? it.slot[j - 1] : slotOf(it, slots, key);
      it.pair.push(p);
      it.from.push(-1);
      it.to.push(-1);
      it.key.push(key);
      it.name.push(dnsUsable);
      it.proxied.push(false);
      it.slot.push(s);
      it.counts[s] += fTs === null ? 0 : fTs.length;
    }
  }
  return it;
}

/**
 * Build the groups of one source's items. Only groups that can be scored (enough beats or
 * failed attempts) are built.
 */
function groupsOf(ctx: DetectContext, pairs: PairIndex, it: Items): Group[] {
  const t = ctx.cfg.t;
  const need = Math.min(t.beaconMinBeats, t.beaconMinFailedAttempts);
  const counts = it.counts;
  const text = pairs.addrs.text;
  // Groups by slot; listed in the order they are made (the first item of each key).
  const bySlot: (Group | undefined)[] = new Array(counts.length);
  const groups: Group[] = [];
  const len = it.pair.length;
  for (let j = 0; j < len; j++) {
    const s = it.slot[j];
    if (counts[s] < need) continue;
    const p = it.pair[j];
    const proxied = it.proxied[j];
    let g = bySlot[s];
    if (!g) {
      g = newGroup(text[pairs.srcIdOf(p)], it.key[j], it.name[j], proxied ? 'outbound' : pairs.dirOf(p));
      bySlot[s] = g;
      groups.push(g);
    }
    const nb = pairs.beatCount(p);
    const from = it.from[j];
    if (from >= 0) {
      const to = it.to[j];
      pairs.addBeatsTo(p, from, to, g);
      g.conns += to - from;
      const dropped = to === nb ? pairs.beatsDropped(p) : 0;
      if (dropped > 0) {
        // Connections past the per-pair cap follow the pair's last stored beats: counted
        // (and their time span kept) in that group, not analysed.
        g.conns += dropped;
        g.dropped += dropped;
        const last = pairs.lastOf(p);
        if (last > g.lastSeen) g.lastSeen = last;
      }
      if (proxied) g.proxied = true;
      g.addrs.add(pairs.dstIdOf(p), to - from);
    } else {
      const fTs = pairs.failedTsOf(p);
      if (fTs !== null) for (const x of fTs) g.failedTs.push(x);
      if (nb === 0) g.conns += pairs.failedOf(p);
      g.dropped += pairs.failedDroppedOf(p) + (nb === 0 ? pairs.beatsDropped(p) : 0);
      if (nb !== 0) continue;
      g.addrs.add(pairs.dstIdOf(p));
    }
    g.sources |= pairs.sourcesOf(p);
    if (g.lastPair !== p) {
      g.lastPair = p;
      pairs.addCountsTo(p, g.ports, g.services);
    }
  }
  return groups;
}

/**
 * The first pass of beaconFindings: each source's items (sources in address order) and the
 * sources reaching each group key over these pairs (the beacon prevalence count). Sharded
 * detection (src/detect/shard.ts) takes keyHosts as the shard's share, sums the shares and
 * hands the pass back to beaconFindings, so the items are made once per shard. Single use:
 * beaconFindings releases the items as it goes.
 */
export interface BeaconFirstPass {
  items: (Items | null)[];
  keyHosts: Map<string, number>;
  /** The pairs the items' ids refer to. */
  pairs: PairIndex;
}

/**
 * Pair ids grouped by source (a counting sort by the source's address id: creation order
 * within a source), sources in address order.
 * @returns the ids, and for the k-th source its range [start[k], start[k + 1])
 */
function pairsBySource(pairs: PairIndex): { ids: Int32Array; start: number[] } {
  const n = pairs.size;
  const perSrc = new Int32Array(pairs.addrs.size + 1);
  for (let id = 0; id < n; id++) perSrc[pairs.srcIdOf(id) + 1]++;
  const srcs: number[] = [];
  for (let a = 0; a < perSrc.length - 1; a++) if (perSrc[a + 1] > 0) srcs.push(a);
  const text = pairs.addrs.text;
  srcs.sort((a, b) => (text[a] < text[b] ? -1 : text[a] > text[b] ? 1 : 0));
  // Where each source's run starts, in address order.
  const at = new Int32Array(pairs.addrs.size);
  const start: number[] = [0];
  let o = 0;
  for (const a of srcs) {
    at[a] = o;
    o += perSrc[a + 1];
    start.push(o);
  }
  const ids = new Int32Array(n);
  for (let id = 0; id < n; id++) ids[at[pairs.srcIdOf(id)]++] = id;
  return { ids, start };
}

export function beaconFirstPass(ctx: DetectContext, pairs: PairIndex): BeaconFirstPass {
  const keyHosts = new Map<string, number>();
  const items: (Items | null)[] = [];
  const { ids, start } = pairsBySource(pairs);
  for (let k = 0; k + 1 < start.length; k++) {
    const it = itemsOf(ctx, pairs, ids, start[k], start[k + 1]);
    items.push(it);
    for (const key of it.keys) keyHosts.set(key, (keyHosts.get(key) ?? 0) + 1);
  }
  return { items, keyHosts, pairs };
}

/**
 * @param pass beaconFirstPass() of the pairs
 * @param globalKeyHosts sources per group key over the whole input, when this engine holds
 *   only some sources (sharded detection); by default the pass's own count
 */
export function beaconFindings(ctx: DetectContext, pass: BeaconFirstPass, globalKeyHosts?: Map<string, number>): BeaconResult {
  const t = ctx.cfg.t;
  // Prevalence: how many internal sources reach each group key (first pass). The items are
  // kept for the second pass: at most one entry per stored beat, usually one per pair.
  const keyHosts = globalKeyHosts ?? pass.keyHosts;
  const items = pass.items;
  const population = ctx.internalHosts.size;
  const weights = {
    timing: t.beaconWeightTiming,
    size: t.beaconWeightSize,
    coverage: t.beaconWeightCoverage,
    fullSpan: t.beaconFullSpan,
    maxMergeGap: t.beaconMaxMergeGap,
    minBeats: t.beaconMinBeats,
  };
  const findings: Finding[] = [];
  const addrText = pass.pairs.addrs.text;
  const beaconPairs = new Set<string>();
  // Second pass: one source's groups at a time, so only they are held in memory.
  for (let si = 0; si < items.length; si++) {
    const it = items[si]!;
    items[si] = null;
    for (const g of groupsOf(ctx, pass.pairs, it)) {
      let est = analyzeBeats(g.ts, g.sizes, ctx.datasetSpan, weights);
      let retry = false;
      if (!est && g.failedTs.length >= t.beaconMinFailedAttempts) {
        est = analyzeBeats(g.failedTs, null, ctx.datasetSpan, weights);
        retry = est !== null;
      }
      if (!est || est.base < t.beaconMinBase) continue;
      const portKey = g.ports.top() ?? 0;
      const port = portKey >> 2;
      const proto = PROTO_NAME[portKey & 3];
      const topAddr = g.addrs.top();
      const addr = topAddr === undefined ? null : addrText[topAddr];
      const service = g.services.top() ?? null;
      const periodic = ctx.periodicReason(addr, g.name, port, proto);
      const hosts = keyHosts.get(g.key) ?? 1;
      const prev = prevalenceFactor(hosts, population, t.prevalenceMinPopulation, t.prevalenceLow, t.prevalenceHigh);
      let s = est.base * prev * (periodic ? t.periodicFactor : 1);
      if (retry) s = Math.min(s, RETRY_SCORE_CAP);
      const addrs = g.addrs.keys().map((a) => addrText[a]).sort();
      const spanText = fmtDuration(est.last - est.first);
      let evidence: string;
      if (retry) {
        evidence = `${g.failedTs.length} failed attempts and no successful connection, retry interval ${fmt(est.interval)} s ±${Math.round(est.jitter * 100)}% over ${spanText}`;
      } else {
        evidence =
          `interval ${fmt(est.interval)} s ±${Math.round(est.jitter * 100)}%, ${est.beats} beats over ${spanText}, ` +
          `sizes ${fmtSizePm(est.sizeMedian, est.sizeMad)}`;
        if (est.missedShare > 0.02) evidence += `, ${Math.round(est.missedShare * 100)}% missed`;
        if (est.modes.length > 1) evidence += `, also every ${est.modes.slice(1).map((x) => fmt(x) + ' s').join(', ')}`;
      }
      if (addrs.length > 1) evidence += `, ${addrs.length}${g.addrs.overflow ? '+' : ''} addresses`;
      if (g.dropped > 0) evidence += `, ${g.dropped} more past the per-pair cap (counted, not analysed)`;
      if (g.proxied) evidence += ', through a proxy';
      if (periodic) evidence += ` (periodic by design: ${periodic})`;
      if (prev < 1) evidence += ` (${hosts} of ${population} internal hosts talk to it)`;
      const techniques = c2Techniques(service);
      const f = buildFinding(ctx, {
        detector: 'beacon',
        score01: s,
        idKey: [g.src, g.key],
        sources: g.sources,
        startTime: est.first,
        endTime: Math.max(est.last, g.lastSeen),
        srcIp: g.src,
        srcPort: null,
        destIp: addr,
        destPort: port,
        destHost: g.name,
        transport: proto,
        appProtocol: service,
        direction: g.dir,
        mitreTechniqueIds: techniques,
        mitreTacticIds: ['TA0011'],
        connCount: g.conns,
        srcBytes: g.origBytes,
        destBytes: g.respBytes,
        communityId: null,
        evidence,
        details: {
          mode: retry ? 'failed_attempts' : 'callbacks',
          interval: round3(est.interval),
          jitter: round3(est.jitter),
          beats: est.beats,
          failedAttempts: g.failedTs.length,
          fit: round3(est.fit),
          missedShare: round3(est.missedShare),
          intervals: est.modes.map(round3),
          timestamps: est.beatTimes,
          sizeMedian: est.sizeMedian,
          sizeMad: est.sizeMad,
          timingScore: round3(est.timing),
          fitScore: round3(est.fitScore),
          dispersionScore: round3(est.dispersion),
          skewScore: round3(est.skew),
          sizeScore: round3(est.size),
          spanScore: round3(est.span),
          evennessScore: round3(est.evenness),
          coverageScore: round3(est.coverage),
          significance: round3(est.confidence),
          baseScore: round3(est.base),
          prevalenceFactor: round3(prev),
          prevalenceHosts: hosts,
          periodicByDesign: periodic ?? '',
          groupedBy: g.name ? 'name' : 'address',
          addresses: addrs.slice(0, 10),
          proxied: g.proxied,
          droppedByCap: g.dropped,
        },
      });
      if (f) {
        findings.push(f);
        for (const a of addrs) beaconPairs.add(g.src + '|' + a);
      }
    }
  }
  return { findings, beaconPairs };
}

/** "230±12 B", "85.3±1.2 KB": a median and its spread in one unit. */
export function fmtSizePm(median: number, spread: number): string {
  if (median < 1000) return `${Math.round(median)}±${Math.round(spread)} B`;
  if (median < 1e6) return `${fmt(median / 1e3)}±${fmt(spread / 1e3)} KB`;
  return `${fmt(median / 1e6)}±${fmt(spread / 1e6)} MB`;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
