/**
 * Detection sharded by source address: N DetectionEngines, each fed the records of its own
 * sources, give the findings one engine would give over everything.
 *
 * Shard key (detectionShardKey): the originator address `id.orig_h` of every record, hashed
 * by shardOfAddress. A
 * connection's conn, dns, http and ssl rows share it, so the uid joins (SNI/Host by uid),
 * the open-connection de-duplication by uid, each pair's timeline (pairs are keyed by
 * originator and responder), each source's DNS answers, DNS-lookup beacons and tunnelling
 * aggregates (per querying host), port and indicator aggregates (per originator) are all
 * complete in one shard. One exception: an active-FTP data connection (`ftp-data`, opened by
 * the external server towards the internal client) is keyed by its responder, because
 * cleartext_exfil counts it under (internal client, external server), next to that pair's
 * control connection.
 *
 * What is NOT per source, and how it is merged (three steps, run by the caller):
 *   1. shardAggregates(engine) after the last record: the time span of the input, whether any
 *      http record or proxied connection was seen, the internal hosts (prevalence population),
 *      the address -> name answers of anyone's DNS lookups (the join's fallback), internal
 *      hosts per destination address (pairs), and hosts per DNS name / registered domain
 *      (DNS-lookup beacons). mergeAggregates() sums or unites them (order-independent:
 *      sums, unions, and "latest answer wins" with the smaller name on a tie).
 *   2. applyGlobals(engine, merged) sets them in each shard (globalsForShard(merged, k): all
 *      shard k lacks, without its own DNS answers) and gives the shard's sources per beacon
 *      group key (beacon's first pass: it needs the merged DNS names first; its items are
 *      kept for step 3); sumCounts() adds the shards' counts.
 *   3. finishShard(engine, merged, keyHosts) runs the detectors; mergeShardFindings() puts
 *      the shards' findings together, sorted by (score desc, finding_id), and applies the
 *      per-detector finding cap.
 * Everything exchanged is per destination, name or host, never per record.
 *
 * Caps (caps.maxPairs, maxInternalHosts, maxUidNames, maxDnsAddresses, ...) are counted per
 * shard: with N shards the run may hold up to N times as much before a cap is hit. The
 * findings are identical to one engine's as long as no cap is hit. Two more limits, neither
 * with the default `consider: ['outbound']`: with `inbound` considered, an external host's
 * pairs to internal hosts over active FTP data connections sit in the client's shard, apart
 * from that host's other pairs (its beacon groups and prevalence count split), and the DNS
 * answers an external host received are known only in its own shard.
 */
import type { AnomalyCounter } from '../core/anomaly.js';
import type { DetectorId, Finding } from '../core/finding.js';
import type { ConnRecord } from '../core/records.js';
import { beaconFirstPass, type BeaconFirstPass } from './beacon.js';
import type { DetectContext } from './context.js';
import type { DnsBeaconPrevalence, DnsBeaconTracker } from './dns-beacon.js';
import { byScoreThenId, hostsPerDestination, type DetectionEngine, type DetectionStats } from './engine.js';
import type { ExfilTracker } from './exfil.js';
import type { PairIndex } from './pairs.js';

/** What DetectionEngine.shardAccess() opens to this module. */
export interface ShardAccess {
  ctx: DetectContext;
  /** The engine's pair table itself (no Map is built for the merge). */
  pairs: PairIndex;
  exfil: ExfilTracker;
  dnsBeacon: DnsBeaconTracker;
  setGlobals(g: FinishGlobals): void;
}

/** Cross-shard counts finish() uses instead of its own. */
export interface FinishGlobals {
  hostsPerDest: Map<string, number>;
  beaconKeyHosts: Map<string, number>;
  dnsBeacon: DnsBeaconPrevalence;
  /** The beacon first pass applyGlobals made (its items serve finish(): made once per shard). */
  beaconFirstPass?: BeaconFirstPass;
}

/** Keys and counts as two parallel arrays (cheap to send between threads). */
export interface CountList {
  keys: string[];
  counts: number[];
}

/** One shard's cross-source aggregates (step 1), plain data. */
export interface ShardAggregates {
  minTs: number;
  maxTs: number;
  anyProxiedUid: boolean;
  httpSeen: boolean;
  internalHosts: string[];
  /** Address -> (name, time) of the latest DNS answer for it, from any source. */
  dnsAddrs: string[];
  dnsNames: string[];
  dnsTs: number[];
  hostsPerDest: CountList;
  dnsHosts: CountList;
  dnsQueriers: number;
  /** Merged aggregates only: the part (shard) whose answer each DNS entry is, -1 when unknown. */
  dnsFrom?: number[];
}

/** ShardAggregates of the whole input (the shape is the same). */
export type GlobalAggregates = ShardAggregates;

const FTP_DATA = /\bftp-data\b/i;

/**
 * The address a record is sharded by: `id.orig_h`, or for an active-FTP data connection from
 * an external server to an internal client, the client (`id.resp_h`).
 * @param r any record (only conn records look at more than origH)
 * @param isInternal the run's internal-network test
 */
export function detectionShardKey(r: { origH: string; respH: string; service?: string | null }, isInternal: (ip: string) => boolean): string {
  const svc = r.service;
  if (svc && FTP_DATA.test(svc) && !isInternal(r.origH) && isInternal(r.respH)) return r.respH;
  return r.origH;
}

/** Mixes the 32 bits of an IPv4 address (murmur3's finaliser): the address's shard hash. */
export function ipv4ShardHash(a: number): number {
  let h = a | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The 32-bit value of a dotted quad (`10.0.0.1`), or -1 when the text is not one. */
function dottedQuad(t: string): number {
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      part = part * 10 + (c - 0x30);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 0x2e && digits > 0 && dots < 3) {
      v = v * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return v * 256 + part;
}

/**
 * Shard of an address among n. An IPv4 address hashes by its 32-bit value (ipv4ShardHash),
 * so the capture walk can shard packets by the same key from the raw header (see
 * src/parallel/shard.ts); anything else by FNV-1a over its characters. Deterministic across
 * threads and runs.
 */
export function shardOfAddress(addr: string, n: number): number {
  if (n <= 1) return 0;
  const v4 = dottedQuad(addr);
  if (v4 >= 0) return ipv4ShardHash(v4) % n;
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < addr.length; i++) h = Math.imul(h ^ addr.charCodeAt(i), 0x01000193);
  return (h >>> 0) % n;
}

/** The 32-bit value of a dotted quad in bytes [s, e), as dottedQuad reads its text; -1 when it is not one. */
export function dottedQuadBytes(buf: Uint8Array, s: number, e: number): number {
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c >= 0x30 && c <= 0x39) {
      part = part * 10 + (c - 0x30);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 0x2e && digits > 0 && dots < 3) {
      v = v * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return v * 256 + part;
}

/**
 * shardOfAddress of the address text in bytes [s, e) (one byte per character, as Zeek's reader
 * makes an address string: latin1), without building the string: a raw TSV line can be
 * routed by its `id.orig_h` column to the shard its parsed record will belong to.
 * @param v4 dottedQuadBytes of the same bytes, when the caller has it
 */
export function shardOfAddressBytes(buf: Uint8Array, s: number, e: number, n: number, v4 = dottedQuadBytes(buf, s, e)): number {
  if (n <= 1) return 0;
  if (v4 >= 0) return ipv4ShardHash(v4) % n;
  let h = 0x811c9dc5 | 0;
  for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  return (h >>> 0) % n;
}

/** Shard of a conn record among n (see detectionShardKey). */
export function shardOfConn(r: ConnRecord, n: number, isInternal: (ip: string) => boolean): number {
  return shardOfAddress(detectionShardKey(r, isInternal), n);
}

function toCountList(m: Map<string, number>): CountList {
  const keys: string[] = [];
  const counts: number[] = [];
  for (const [k, v] of m) {
    keys.push(k);
    counts.push(v);
  }
  return { keys, counts };
}

function toMap(l: CountList): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < l.keys.length; i++) m.set(l.keys[i], l.counts[i]);
  return m;
}

/** Adds up count lists key by key (key order: first seen, shard by shard). */
export function sumCounts(lists: CountList[]): CountList {
  const m = new Map<string, number>();
  for (const l of lists) for (let i = 0; i < l.keys.length; i++) m.set(l.keys[i], (m.get(l.keys[i]) ?? 0) + l.counts[i]);
  return toCountList(m);
}

/**
 * Step 1: ends the shard's record phase and returns its cross-source aggregates.
 * @param engine a shard's engine, after its last record
 */
export function shardAggregates(engine: DetectionEngine): ShardAggregates {
  const a = engine.shardAccess();
  const ctx = a.ctx;
  const dnsAddrs: string[] = [];
  const dnsNames: string[] = [];
  const dnsTs: number[] = [];
  ctx.forEachDnsAnswer((addr, name, ts) => {
    dnsAddrs.push(addr);
    dnsNames.push(name);
    dnsTs.push(ts);
  });
  const prev = a.dnsBeacon.prevalence();
  return {
    minTs: ctx.minTs,
    maxTs: ctx.maxTs,
    anyProxiedUid: ctx.anyProxiedUid,
    httpSeen: a.exfil.httpSeen,
    internalHosts: [...ctx.internalHosts],
    dnsAddrs,
    dnsNames,
    dnsTs,
    hostsPerDest: toCountList(hostsPerDestination(a.pairs.values())),
    dnsHosts: toCountList(prev.hosts),
    dnsQueriers: prev.queriers,
  };
}

/** Step 1, merge: the aggregates of the whole input from every shard's. */
export function mergeAggregates(parts: ShardAggregates[]): GlobalAggregates {
  let minTs = Infinity;
  let maxTs = -Infinity;
  let anyProxiedUid = false;
  let httpSeen = false;
  let dnsQueriers = 0;
  const hosts = new Set<string>();
  const names = new Map<string, { name: string; ts: number; from: number }>();
  for (let pi = 0; pi < parts.length; pi++) {
    const p = parts[pi];
    if (p.minTs < minTs) minTs = p.minTs;
    if (p.maxTs > maxTs) maxTs = p.maxTs;
    anyProxiedUid ||= p.anyProxiedUid;
    httpSeen ||= p.httpSeen;
    // Sources are disjoint between shards, so each querying host is counted by one shard.
    dnsQueriers += p.dnsQueriers;
    for (const h of p.internalHosts) hosts.add(h);
    for (let i = 0; i < p.dnsAddrs.length; i++) {
      const name = p.dnsNames[i];
      const ts = p.dnsTs[i];
      const cur = names.get(p.dnsAddrs[i]);
      if (!cur) names.set(p.dnsAddrs[i], { name, ts, from: pi });
      else if (ts > cur.ts || (ts === cur.ts && name < cur.name)) {
        cur.name = name;
        cur.ts = ts;
        cur.from = pi;
      }
    }
  }
  const dnsAddrs: string[] = [];
  const dnsNames: string[] = [];
  const dnsTs: number[] = [];
  const dnsFrom: number[] = [];
  for (const [addr, d] of names) {
    dnsAddrs.push(addr);
    dnsNames.push(d.name);
    dnsTs.push(d.ts);
    dnsFrom.push(d.from);
  }
  return {
    minTs,
    maxTs,
    anyProxiedUid,
    httpSeen,
    internalHosts: [...hosts],
    dnsAddrs,
    dnsNames,
    dnsTs,
    hostsPerDest: sumCounts(parts.map((p) => p.hostsPerDest)),
    dnsHosts: sumCounts(parts.map((p) => p.dnsHosts)),
    dnsQueriers,
    dnsFrom,
  };
}

/**
 * What applyGlobals needs to be sent for shard k: the merged aggregates without the DNS
 * entries that are shard k's own answers (it holds them already: setting them again changes
 * nothing). With N shards each is sent about (N-1)/N of the answers instead of all.
 * @param g mergeAggregates() of every shard's aggregates, in shard order
 */
export function globalsForShard(g: GlobalAggregates, k: number): GlobalAggregates {
  const from = g.dnsFrom;
  if (!from) return g;
  const dnsAddrs: string[] = [];
  const dnsNames: string[] = [];
  const dnsTs: number[] = [];
  for (let i = 0; i < from.length; i++) {
    if (from[i] === k) continue;
    dnsAddrs.push(g.dnsAddrs[i]);
    dnsNames.push(g.dnsNames[i]);
    dnsTs.push(g.dnsTs[i]);
  }
  return { ...g, dnsAddrs, dnsNames, dnsTs, dnsFrom: undefined };
}

/**
 * Step 2: sets the whole input's aggregates in a shard, and returns the shard's sources per
 * beacon group key (which depends on the merged DNS names).
 */
export function applyGlobals(engine: DetectionEngine, g: GlobalAggregates): CountList {
  const a = engine.shardAccess();
  const ctx = a.ctx;
  ctx.minTs = g.minTs;
  ctx.maxTs = g.maxTs;
  ctx.anyProxiedUid = g.anyProxiedUid;
  a.exfil.httpSeen = g.httpSeen;
  // The union of disjoint-by-source sets: the population one engine would count. It was
  // capped per shard already (caps.maxInternalHosts).
  for (const h of g.internalHosts) ctx.internalHosts.add(h);
  for (let i = 0; i < g.dnsAddrs.length; i++) ctx.setDnsAnswer(g.dnsAddrs[i], g.dnsNames[i], g.dnsTs[i]);
  const pass = beaconFirstPass(ctx, a.pairs);
  firstPasses.set(engine, pass);
  return toCountList(pass.keyHosts);
}

/** applyGlobals' beacon first pass per engine, until finishShard hands it to finish(). */
const firstPasses = new WeakMap<DetectionEngine, BeaconFirstPass>();

/**
 * Step 3: the shard's findings, scored with the whole input's prevalence counts (the beacon
 * items of applyGlobals' first pass are reused, not made again).
 * @param keyHosts sumCounts() of every shard's applyGlobals() result
 */
export function finishShard(engine: DetectionEngine, g: GlobalAggregates, keyHosts: CountList): Finding[] {
  const pass = firstPasses.get(engine);
  firstPasses.delete(engine);
  engine.shardAccess().setGlobals({
    hostsPerDest: toMap(g.hostsPerDest),
    beaconKeyHosts: toMap(keyHosts),
    dnsBeacon: { hosts: toMap(g.dnsHosts), queriers: g.dnsQueriers },
    beaconFirstPass: pass,
  });
  return engine.finish();
}

/**
 * The shards' findings as one engine returns them: per detector, the `maxPerDetector`
 * highest (each shard kept its own highest `maxPerDetector`, so the union holds them), then
 * all sorted by (score desc, finding_id).
 * @param anomalies where a cap hit is counted (detect_findings_cap), as one engine would
 */
export function mergeShardFindings(parts: Finding[][], maxPerDetector: number, anomalies?: AnomalyCounter): { findings: Finding[]; counts: Map<DetectorId, number> } {
  const by = new Map<DetectorId, Finding[]>();
  for (const fs of parts) {
    for (const f of fs) {
      let a = by.get(f.detector);
      if (!a) by.set(f.detector, (a = []));
      a.push(f);
    }
  }
  const counts = new Map<DetectorId, number>();
  const all: Finding[] = [];
  for (const [id, fs] of by) {
    fs.sort(byScoreThenId);
    if (fs.length > maxPerDetector) {
      anomalies?.add('detect_findings_cap', undefined, undefined, undefined, `more than ${maxPerDetector} ${id} findings; the ${maxPerDetector} highest are kept`);
      fs.length = maxPerDetector;
    }
    counts.set(id, fs.length);
    for (const f of fs) all.push(f);
  }
  all.sort(byScoreThenId);
  return { findings: all, counts };
}

/**
 * The run summary of one engine from the shards' (call after finishShard on every shard).
 * @param parts every shard's stats (at least one)
 * @param internalHosts size of the merged internal-host set
 * @param counts findings kept per detector (mergeShardFindings)
 */
export function mergeShardStats(parts: DetectionStats[], internalHosts: number, counts: Map<DetectorId, number>): DetectionStats {
  const findings = { ...parts[0].findings };
  for (const id of Object.keys(findings) as DetectorId[]) findings[id] = counts.get(id) ?? 0;
  const out: DetectionStats = {
    conn: 0,
    dns: 0,
    http: 0,
    ssl: 0,
    badRecords: 0,
    duplicateOpen: 0,
    pairs: 0,
    internalHosts,
    suppressed: 0,
    findings,
  };
  for (const s of parts) {
    out.conn += s.conn;
    out.dns += s.dns;
    out.http += s.http;
    out.ssl += s.ssl;
    out.badRecords += s.badRecords;
    out.duplicateOpen += s.duplicateOpen;
    out.pairs += s.pairs;
    out.suppressed += s.suppressed;
  }
  return out;
}
