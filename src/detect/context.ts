/**
 * State and helpers shared by the detectors of one run: the resolved configuration,
 * address classification (cached), the observed time span, the internal hosts seen
 * (prevalence), the uid -> server-name join from TLS/HTTP, the address -> name join from
 * DNS answers, and the finding builder (deterministic ids, allow-list, input names).
 */
import * as crypto from 'node:crypto';
import type { AnomalyCounter } from '../core/anomaly.js';
import type { DetectorId, Direction, Finding } from '../core/finding.js';
import { severityOf } from '../core/finding.js';
import { addressBytes } from './cidr.js';
import type { Indicator, ResolvedDetectConfig } from './config.js';
import { normalizeName } from './domains.js';
import { AddressTable, IdPairTable, NameTable } from './id-tables.js';
import { NO_INFO, UidJoin } from './uid-join.js';

/** Size of the address-classification cache before it is cleared (a speed-up only). */
const ADDRESS_CACHE_MAX = 65_536;
/** Indicator sets with at most this many prefix lengths are read without the address cache. */
const IOC_DIRECT_LENGTHS = 4;
/** Names whose registered domain is remembered (DetectContext.registeredDomain). */
const REGISTERED_DOMAIN_MEMO = 16_384;

/** True when an answer (name, ts) takes the place of a stored one (curName, curTs): the latest answer wins, ties the smaller name. */
function isLater(name: string, ts: number, curName: string, curTs: number): boolean {
  return ts > curTs || (ts === curTs && name < curName);
}

/** Bit set of input indexes (inputs 0..30); bit 31 stands for "an input with a higher index". */
export function sourceBit(idx: number | undefined): number {
  if (idx === undefined || idx < 0) return 0;
  return idx < 31 ? 1 << idx : 1 << 31;
}

export const IP_CLASS_INTERNAL = 1;
export const IP_CLASS_EXTERNAL = 2;
export const IP_CLASS_NON_ROUTABLE = 3;

/** Direction of a connection from its two address classes, or null when either is non-routable. */
export function directionOfClasses(co: number, cr: number): Direction | null {
  if (co === IP_CLASS_NON_ROUTABLE || cr === IP_CLASS_NON_ROUTABLE) return null;
  if (co === IP_CLASS_INTERNAL) return cr === IP_CLASS_INTERNAL ? 'internal' : 'outbound';
  return cr === IP_CLASS_INTERNAL ? 'inbound' : 'external';
}

/**
 * Addresses the table of interned addresses may hold: what the state that adds them may add
 * in all (two per pair and per upload aggregate, one per DNS-answer entry, DNS-lookup group
 * and DNS-tunnel aggregate), so it is never the limit hit first.
 */
export function addressTableMax(caps: ResolvedDetectConfig['caps']): number {
  return 4 * caps.maxPairs + caps.maxDnsAddresses + caps.maxDnsBeaconGroups + caps.maxDnsDomains;
}

/**
 * DNS names the name table may hold: what the state that adds them may add in all (one per
 * DNS-lookup group, name or registered domain, and one per DNS-tunnel aggregate), so it is
 * never the limit hit first.
 */
export function nameTableMax(caps: ResolvedDetectConfig['caps']): number {
  return caps.maxDnsBeaconGroups + caps.maxDnsDomains;
}

/** Set a[id] in an array indexed by address id, keeping it dense (no holes: V8 keeps it fast). */
export function setById<T>(a: (T | undefined)[], id: number, v: T): void {
  while (a.length <= id) a.push(undefined);
  a[id] = v;
}

/** A DNS answer remembered for the name join. */
export interface DnsName {
  name: string;
  ts: number;
}

export class DetectContext {
  minTs = Infinity;
  maxTs = -Infinity;
  /** Internal hosts that originated considered traffic (the prevalence population). */
  readonly internalHosts = new Set<string>();
  /** The uid -> SNI/Host join (uid-join.ts). */
  readonly uids: UidJoin;
  /**
   * Addresses of the tracked pairs as small integer ids, with their class (id-tables.ts):
   * a connection between known addresses is classified and its pair found without a string
   * lookup, and per-source state (DNS answers and trackers, uploads) is found by id. An
   * address is added only when state keyed by it is made (at most two per pair or upload
   * aggregate, one per DNS-answer entry, DNS-lookup group or DNS-tunnel aggregate), so the
   * table's limit, the sum of those caps (addressTableMax), is never the one hit first;
   * other addresses are classified through a cache.
   */
  readonly addrs: AddressTable;
  /**
   * Normalised DNS names as small integer ids, with their registered domain (id-tables.ts):
   * the DNS trackers find their groups by (querier id, name or domain id). A name is added
   * only when state keyed by it is made, so the table's limit (nameTableMax) is never the one
   * hit first; other names are looked up and given their domain through registeredDomain().
   */
  readonly names: NameTable;
  /**
   * Names from DNS answers, (src, addr) -> name (what this source resolved) and addr -> name
   * (what anyone resolved), both by interned address ids (an answer's address is interned
   * with its entry): the answer with the latest timestamp wins (ties: the smaller name), so
   * the join does not depend on record order. No string is hashed per answer or per lookup,
   * and an entry is two array slots, not an object. Both together are capped by
   * caps.maxDnsAddresses entries (which is why an answer adds at most one address per entry
   * to the address table, whose limit counts them).
   */
  private readonly ansBySrc = new IdPairTable();
  private readonly ansName: string[] = [];
  private readonly ansTs: number[] = [];
  /** What anyone resolved, by address id (undefined: no answer). */
  private readonly anyName: (string | undefined)[] = [];
  private readonly anyTs: number[] = [];
  /**
   * What anyone resolved, for addresses the address table had no room for: only the sharded
   * merge (applyGlobals, the other shards' answers) may add here, and only once the table is full.
   */
  private readonly anyExtra = new Map<string, DnsName>();
  /** Entries of ansBySrc and anyName together (the cap counts both). */
  private dnsEntries = 0;
  /** Counters for the run summary. */
  readonly stats = { conn: 0, dns: 0, http: 0, ssl: 0, suppressed: 0, badRecords: 0, duplicateOpen: 0 };
  private readonly ipClass = new Map<string, number>();
  private readonly ipIoc = new Map<string, Indicator | null>();
  private readonly capCounted = new Set<string>();

  constructor(
    readonly cfg: ResolvedDetectConfig,
    readonly anomalies: AnomalyCounter,
  ) {
    this.addrs = new AddressTable(addressTableMax(cfg.caps));
    this.names = new NameTable(nameTableMax(cfg.caps));
    const max = cfg.caps.maxUidNames;
    this.uids = new UidJoin(max, cfg.caps.maxUidJoinWindow, () =>
      this.capHit('detect_uid_names_cap', `more than ${max} TLS/HTTP connections waiting for their conn row; later ones are grouped by address`),
    );
  }

  /** True once any connection was seen proxied (else traffic not considered cannot make a beat). */
  get anyProxiedUid(): boolean {
    return this.uids.anyProxied;
  }
  set anyProxiedUid(v: boolean) {
    this.uids.anyProxied = v;
  }

  /** Count a cap being hit: once per record that could not be tracked, sampled like any anomaly. */
  capHit(code: string, detail: string): void {
    this.anomalies.add(code, undefined, undefined, undefined, this.capCounted.has(code) ? undefined : detail);
    this.capCounted.add(code);
  }

  seeTs(ts: number): boolean {
    if (!Number.isFinite(ts)) return false;
    if (ts < this.minTs) this.minTs = ts;
    if (ts > this.maxTs) this.maxTs = ts;
    return true;
  }

  get datasetSpan(): number {
    return this.maxTs > this.minTs ? this.maxTs - this.minTs : 0;
  }

  /** Class of an address (IP_CLASS_*), cached while the cache holds ADDRESS_CACHE_MAX addresses. */
  classify(ip: string): number {
    let c = this.ipClass.get(ip);
    if (c === undefined) {
      // The text parsed once for both sets (not an address: neither holds it, external).
      const b = addressBytes(ip);
      if (b === null) c = IP_CLASS_EXTERNAL;
      else if (this.cfg.nonRoutable.getBytes(b) !== undefined) c = IP_CLASS_NON_ROUTABLE;
      else c = this.cfg.internal.getBytes(b) !== undefined ? IP_CLASS_INTERNAL : IP_CLASS_EXTERNAL;
      if (this.ipClass.size >= ADDRESS_CACHE_MAX) this.ipClass.clear();
      this.ipClass.set(ip, c);
    }
    return c;
  }

  /**
   * iocForAddress(ip), given its id in addrs (-1 when not interned): kept per id, so the
   * addresses of tracked pairs are matched once whatever the cache holds.
   */
  iocForAddressId(id: number, ip: string): Indicator | null {
    if (id < 0) return this.iocForAddress(ip);
    let v = id < this.iocById.length ? this.iocById[id] : undefined;
    if (v === undefined) {
      v = this.cfg.iocIps.get(ip) ?? null;
      setById(this.iocById, id, v);
    }
    return v;
  }
  private readonly iocById: (Indicator | null | undefined)[] = [];

  /**
   * Indicator (IP or CIDR) holding an address, cached like the address class when the
   * indicators have many prefix lengths; with a few (a short list of addresses and networks)
   * the set is read directly: an IPv4 text parsed in place and a hash-map read per length
   * cost less than the cache's read and write with the record's string.
   */
  iocForAddress(ip: string): Indicator | null {
    const set = this.cfg.iocIps;
    if (set.prefixLengths <= IOC_DIRECT_LENGTHS) return set.get(ip) ?? null;
    let v = this.ipIoc.get(ip);
    if (v === undefined) {
      v = this.cfg.iocIps.get(ip) ?? null;
      if (this.ipIoc.size >= ADDRESS_CACHE_MAX) this.ipIoc.clear();
      this.ipIoc.set(ip, v);
    }
    return v;
  }

  isInternal(ip: string): boolean {
    return this.classify(ip) === IP_CLASS_INTERNAL;
  }

  /**
   * Class of an address (IP_CLASS_*) given its id in addrs: cached there (worked out on first
   * use for an address interned unclassified, class 0), or classify(ip) when the id is -1.
   */
  classOf(id: number, ip: string): number {
    if (id < 0) return this.classify(ip);
    const cls = this.addrs.cls;
    const c = cls[id];
    return c !== 0 ? c : (cls[id] = this.classify(ip));
  }

  /** isInternal(ip), given its id in addrs (-1 when not interned: then classified by text). */
  isInternalId(id: number, ip: string): boolean {
    return this.classOf(id, ip) === IP_CLASS_INTERNAL;
  }

  /**
   * Direction of a connection given its addresses' ids in addrs (-1 when not interned), or
   * null when either address is non-routable: no string lookup for an interned address.
   */
  directionOf(oId: number, orig: string, rId: number, resp: string): Direction | null {
    return directionOfClasses(this.classOf(oId, orig), this.classOf(rId, resp));
  }

  /**
   * The id of an address in addrs, added (with its class) when `id` is -1 and it is not there
   * yet; -1 (counted as detect_addresses_cap) when the table is full, which its limit keeps
   * from happening before the caps of the state that adds addresses.
   * @param id the id the caller found (-1: looked up here, as it may have been added since)
   * @param classified false: added with class 0, classified by classOf() on first use (a DNS
   *   answer's address: most are never the address of a connection)
   * @param cls the address' class (IP_CLASS_*) when the caller knows it (a connection's
   *   direction tells both), 0: classified here
   */
  internAddress(ip: string, id = -1, classified = true, cls = 0): number {
    if (id >= 0) return id;
    const at = this.addrs;
    id = at.find(ip);
    if (id >= 0) return id;
    id = at.add(ip, classified ? (cls !== 0 ? cls : this.classify(ip)) : 0);
    if (id < 0) this.capHit('detect_addresses_cap', `more than ${at.max} addresses; state for later ones is not kept`);
    return id;
  }

  direction(orig: string, resp: string): Direction {
    const oi = this.isInternal(orig);
    const ri = this.isInternal(resp);
    if (oi) return ri ? 'internal' : 'outbound';
    return ri ? 'inbound' : 'external';
  }

  considered(dir: Direction): boolean {
    return this.cfg.consider.has(dir);
  }

  /**
   * noteInternalHost(ip), given its id in addrs (-1 when not interned): a host already in
   * internalHosts is told by one array read instead of a Set lookup with the record's string.
   */
  noteInternalHostId(id: number, ip: string): void {
    if (id < 0) return this.noteInternalHost(ip);
    let noted = this.hostNoted;
    if (id < noted.length && noted[id] === 1) return;
    this.noteInternalHost(ip);
    if (!this.internalHosts.has(ip)) return;
    if (id >= noted.length) {
      const a = new Uint8Array(Math.max(id + 1, noted.length * 2));
      a.set(noted);
      this.hostNoted = noted = a;
    }
    noted[id] = 1;
  }
  /** 1 per address id that is in internalHosts (noteInternalHostId). */
  private hostNoted = new Uint8Array(1024);

  noteInternalHost(ip: string): void {
    if (this.internalHosts.has(ip)) return;
    if (this.internalHosts.size >= this.cfg.caps.maxInternalHosts) {
      this.capHit('detect_internal_hosts_cap', `more than ${this.cfg.caps.maxInternalHosts} internal hosts; prevalence uses the first ones`);
      return;
    }
    this.internalHosts.add(ip);
  }

  /** Merge TLS/HTTP knowledge about a connection. */
  noteUid(uid: string, name: string | null, tls: boolean, proxied: boolean): void {
    this.uids.note(uid, name, tls, proxied);
  }

  /**
   * cfg.suffixes.registeredDomain(name), remembered: the DNS trackers ask for the same name
   * of one record one after the other, and a network looks up the same few thousand names
   * all day. The memo holds at most REGISTERED_DOMAIN_MEMO names and starts afresh when full
   * (a cache, not state: nothing is lost when it is cleared).
   */
  registeredDomain(name: string): string {
    if (name === this.lastDomainName) return this.lastDomain;
    let d = this.domainMemo.get(name);
    if (d === undefined) {
      d = this.cfg.suffixes.registeredDomain(name);
      if (this.domainMemo.size >= REGISTERED_DOMAIN_MEMO) this.domainMemo.clear();
      this.domainMemo.set(name, d);
    }
    this.lastDomainName = name;
    this.lastDomain = d;
    return d;
  }
  private lastDomainName = '';
  private lastDomain = '';
  private readonly domainMemo = new Map<string, string>();

  /**
   * Id of a normalised DNS name in names, -1 when it has none; the last name asked for is
   * remembered (the DNS trackers ask for the name of one record one after the other).
   */
  nameId(name: string): number {
    if (name !== this.lastName) {
      this.lastName = name;
      this.lastNameId = this.names.find(name);
    }
    return this.lastNameId;
  }
  private lastName = '';
  private lastNameId = -1;

  /** registeredDomain(name), given the name's id (-1 when it has none): kept per id. */
  registeredDomainOf(name: string, id: number): string {
    return id >= 0 ? this.names.domain[id] : this.registeredDomain(name);
  }

  /** Id of `domain`, the registered domain of a name whose id is `nameId` (-1 when it has none); -1 when the domain has none. */
  domainIdOf(domain: string, nameId: number): number {
    return nameId >= 0 ? this.names.domainId(nameId) : this.names.find(domain);
  }

  /**
   * The id of a normalised DNS name in names, added (with its registered domain) when `id`
   * is -1 and it is not there yet; -1 (counted as detect_dns_name_table_cap) when the table is
   * full, which its limit keeps from happening before the caps of the state that adds names.
   * @param id the id the caller found (-1: looked up here)
   */
  internName(name: string, id = -1): number {
    if (id >= 0) return id;
    const nt = this.names;
    id = nt.find(name);
    if (id >= 0) return id;
    id = nt.add(name, this.registeredDomain(name));
    if (id < 0) this.capHit('detect_dns_name_table_cap', `more than ${nt.max} DNS names; state for later ones is not kept`);
    else if (name === this.lastName) this.lastNameId = id;
    return id;
  }

  /**
   * Remember that `src` resolved `addr` to `name` at `ts` (the latest answer wins).
   * @param srcId src's id in addrs, -1 when not interned
   */
  noteDnsAnswer(src: string, addr: string, name: string, ts: number, srcId: number = this.addrs.find(src)): void {
    const at = this.addrs;
    if (srcId < 0) srcId = at.find(src);
    let addrId = at.find(addr);
    const e = srcId >= 0 && addrId >= 0 ? this.ansBySrc.get(srcId, addrId) : -1;
    if (e >= 0) {
      // Known to this source, hence to anyone: two updates, no new entry.
      const names = this.ansName;
      if (isLater(name, ts, names[e], this.ansTs[e])) {
        // The same name again (a new string each record) keeps the stored one.
        if (name !== names[e]) names[e] = name;
        this.ansTs[e] = ts;
      }
      this.setLatest(addrId, name, ts);
      return;
    }
    if (this.dnsEntries >= this.cfg.caps.maxDnsAddresses) {
      this.capHit('detect_dns_addresses_cap', `more than ${this.cfg.caps.maxDnsAddresses} resolved addresses; later ones are grouped by address`);
      return;
    }
    srcId = this.internAddress(src, srcId);
    if (srcId < 0) return;
    addrId = this.internAddress(addr, addrId, false);
    if (addrId < 0) return;
    // Not in ansBySrc (one of the two was not interned, or looked up above): no second lookup.
    this.ansBySrc.set(srcId, addrId, this.ansName.length);
    this.ansName.push(name);
    this.ansTs.push(ts);
    this.dnsEntries++;
    this.setLatest(addrId, name, ts);
  }

  /** What anyone resolved `addrId` to takes (name, ts) when later; a new entry is counted. */
  private setLatest(addrId: number, name: string, ts: number): void {
    const names = this.anyName;
    const tss = this.anyTs;
    while (names.length <= addrId) {
      names.push(undefined);
      tss.push(0);
    }
    const cur = names[addrId];
    if (cur === undefined) {
      names[addrId] = name;
      tss[addrId] = ts;
      this.dnsEntries++;
    } else if (isLater(name, ts, cur, tss[addrId])) {
      if (name !== cur) names[addrId] = name;
      tss[addrId] = ts;
    }
  }

  /**
   * The name of a DNS answer for a connection from `srcId` to `addrId` (ids in addrs, -1 when
   * not interned): what this source resolved, else what anyone resolved; null when none.
   * @param addr the address' text (only read when addrId is -1)
   */
  dnsNameOf(srcId: number, addrId: number, addr: string): string | null {
    if (addrId >= 0) {
      if (srcId >= 0) {
        const e = this.ansBySrc.get(srcId, addrId);
        if (e >= 0) return this.ansName[e];
      }
      return addrId < this.anyName.length ? (this.anyName[addrId] ?? null) : null;
    }
    return this.anyExtra.size > 0 ? (this.anyExtra.get(addr)?.name ?? null) : null;
  }

  /** Every address anyone resolved, with the latest answer (for the sharded merge, shard.ts). */
  forEachDnsAnswer(fn: (addr: string, name: string, ts: number) => void): void {
    const names = this.anyName;
    const text = this.addrs.text;
    for (let id = 0; id < names.length; id++) {
      const n = names[id];
      if (n !== undefined) fn(text[id], n, this.anyTs[id]);
    }
    for (const [addr, d] of this.anyExtra) fn(addr, d.name, d.ts);
  }

  /**
   * Set what anyone resolved `addr` to, whatever is stored (the sharded merge's latest answer
   * of the whole input, shard.ts). Not counted against caps.maxDnsAddresses: the shard counted
   * its own answers; an address the table has no room for is kept apart.
   */
  setDnsAnswer(addr: string, name: string, ts: number): void {
    const at = this.addrs;
    let id = at.find(addr);
    if (id < 0 && at.size < at.max) id = at.add(addr, 0);
    if (id < 0) {
      this.anyExtra.set(addr, { name, ts });
      return;
    }
    while (this.anyName.length <= id) {
      this.anyName.push(undefined);
      this.anyTs.push(0);
    }
    this.anyName[id] = name;
    this.anyTs[id] = ts;
  }

  /**
   * Name for a connection: SNI/Host by uid (while the uid join holds it), else what this
   * source (or anyone) resolved the address from.
   */
  nameFor(uid: string | null, src: string, addr: string): string | null {
    return this.nameForRef(uid ? this.uids.refFor(uid) : NO_INFO, src, addr);
  }

  /** Name for a connection by its name ref (uid-join.ts), else by DNS as nameFor(). */
  nameForRef(ref: number, src: string, addr: string): string | null {
    const n = this.uids.nameOf(ref);
    if (n !== null) return n;
    const at = this.addrs;
    return this.dnsNameOf(at.find(src), at.find(addr), addr);
  }

  /** Periodic-by-design reason for a destination, or null. */
  periodicReason(addr: string | null, name: string | null, port: number | null, proto: string | null): string | null {
    const c = this.cfg;
    if (name) {
      const r = c.periodicDomains.get(name);
      if (r !== undefined) return r;
    }
    if (addr) {
      const r = c.periodicCidrs.get(addr);
      if (r !== undefined) return r;
      if (port === 53 && c.resolvers.has(addr)) return 'DNS to a configured resolver';
    }
    if (port !== null && proto) {
      const r = c.periodicPorts.get(`${port}/${proto}`);
      if (r !== undefined) return r;
    }
    return null;
  }

  /** Allow-list entry suppressing a finding, or null. */
  allowed(src: string, addr: string | null, name: string | null): string | null {
    const c = this.cfg;
    if (name && c.allowDomains.size > 0) {
      const r = c.allowDomains.get(name);
      if (r !== undefined) return r;
    }
    // No allowed network (the default): no address parsed per finding.
    if (c.allowCidrs.size === 0) return null;
    if (addr) {
      const r = c.allowCidrs.get(addr);
      if (r !== undefined) return r;
    }
    return c.allowCidrs.get(src) ?? null;
  }

  /**
   * True when the allow-list has names, so a candidate's name matters to allowed(): a
   * detector that checks its candidates before the cap (top-findings.ts) works the name out
   * for every candidate only then, else for the survivors only.
   */
  get allowListHasNames(): boolean {
    return this.cfg.allowDomains.size > 0;
  }

  /** True, counted in stats.suppressed, when the allow-list suppresses a candidate finding (buildFinding's check). */
  suppressed(src: string, addr: string | null, name: string | null): boolean {
    if (this.allowed(src, addr, name) === null) return false;
    this.stats.suppressed++;
    return true;
  }

  inputSource(bits: number): string {
    const names = this.cfg.sourceNames;
    const out: string[] = [];
    for (let i = 0; i < 31; i++) if (bits & (1 << i)) out.push(names[i] ?? `input#${i}`);
    if (bits & (1 << 31)) out.push(names.length > 31 ? `${names.length - 31} more inputs` : 'more inputs');
    return out.join(',');
  }
}

/** Node's one-shot digest (crypto.hash, Node 20.12+), undefined before it. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/**
 * Deterministic finding id: first 16 hex digits of SHA-256 over the detector and key fields,
 * each key field after a NUL (`-` for null). The text is hashed in one piece (the same UTF-8
 * bytes as piece by piece: every piece after the first starts with the NUL), by crypto.hash
 * where Node has it.
 */
export function findingId(detector: DetectorId, ...key: (string | number | null)[]): string {
  let s: string = detector;
  for (const k of key) s += '\u0000' + (k === null ? '-' : String(k));
  return (oneShotHash !== undefined ? oneShotHash('sha256', s, 'hex') : crypto.createHash('sha256').update(s).digest('hex')).slice(0, 16);
}

/** Everything a detector fills in; the builder adds id, severity and rounding. */
export interface FindingDraft extends Omit<Finding, 'findingId' | 'severity' | 'score' | 'inputSource'> {
  /** 0..1 */
  score01: number;
  /** Key fields for the deterministic id. */
  idKey: (string | number | null)[];
  sources: number;
}

/** The score a finding carries (0..100, one decimal) for a 0..1 draft score. */
export function findingScore(score01: number): number {
  return Math.round(Math.max(0, Math.min(1, score01)) * 1000) / 10;
}

/** Build a Finding, or null when the allow-list suppresses it or it scores below minScore. */
export function buildFinding(ctx: DetectContext, d: FindingDraft): Finding | null {
  const score = findingScore(d.score01);
  if (score < ctx.cfg.t.minScore) return null;
  const allow = ctx.allowed(d.srcIp, d.destIp, d.destHost);
  if (allow !== null) {
    ctx.stats.suppressed++;
    return null;
  }
  return makeFinding(ctx, d);
}

/**
 * The Finding of a draft that passed buildFinding's checks (score and allow-list), for a
 * detector that ran them on its candidates before the cap (top-findings.ts).
 * @param id the finding_id when already worked out (findingId(d.detector, ...d.idKey))
 */
export function makeFinding(ctx: DetectContext, d: FindingDraft, id?: string): Finding {
  const score = findingScore(d.score01);
  const { score01, idKey, sources, ...rest } = d;
  void score01;
  return {
    ...rest,
    findingId: id ?? findingId(d.detector, ...idKey),
    score,
    severity: severityOf(score),
    inputSource: ctx.inputSource(sources),
  };
}

/** Host part of an HTTP Host header or CONNECT target (port and brackets removed), normalised. */
export function hostOnly(host: string | null): string | null {
  if (!host) return null;
  let h = host.trim();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    h = end > 0 ? h.slice(1, end) : h;
  } else {
    const colon = h.indexOf(':');
    if (colon >= 0 && h.indexOf(':', colon + 1) < 0) h = h.slice(0, colon);
  }
  return normalizeName(h);
}

/** True when a string is an IPv4/IPv6 literal rather than a name. */
export function looksLikeAddress(s: string): boolean {
  return /^[0-9.]+$/.test(s) || s.indexOf(':') >= 0;
}

/** Round for evidence text: 3 significant figures. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return '?';
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2).replace(/\.?0+$/, '') || '0';
}

/** Human duration for evidence text: "45 s", "12.5 min", "23.8 h". */
export function fmtDuration(s: number): string {
  if (s < 120) return `${fmt(s)} s`;
  if (s < 7200) return `${fmt(s / 60)} min`;
  return `${fmt(s / 3600)} h`;
}

/** Human byte count: "230 B", "85.3 KB", "2.10 MB" (decimal units). */
export function fmtBytes(b: number): string {
  if (b < 1000) return `${Math.round(b)} B`;
  if (b < 1e6) return `${fmt(b / 1e3)} KB`;
  if (b < 1e9) return `${fmt(b / 1e6)} MB`;
  return `${fmt(b / 1e9)} GB`;
}

/** MITRE technique ids for an application protocol string (Zeek service list). */
export function c2Techniques(service: string | null): string[] {
  const s = service ?? '';
  const out: string[] = [];
  if (/\b(ssl|quic|tls)\b/.test(s)) out.push('T1071.001', 'T1573');
  else if (/\bhttp\b/.test(s)) out.push('T1071.001');
  if (/\bdns\b/.test(s)) out.push('T1071.004');
  if (/\b(ftp|ftp-data)\b/.test(s)) out.push('T1071.002');
  if (/\bsmtp\b/.test(s)) out.push('T1071.003');
  if (/\b(ssh)\b/.test(s) && !out.includes('T1573')) out.push('T1573');
  if (out.length === 0) out.push('T1095');
  return out;
}
