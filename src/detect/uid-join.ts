/**
 * The uid join: what TLS (SNI) and HTTP (Host, proxy requests) records tell about a
 * connection, joined to that connection's stored beat when the records arrive, so a beat
 * carries a small integer (a "name ref") instead of its uid string.
 *
 * Zeek writes conn.log when a connection ends, so a connection's ssl/http rows are usually
 * read first (the Zeek reader reads each rotation's dns/http/ssl files before its conn file);
 * the conn row then finds the uid's entry and the beat gets its name ref at once. The other
 * order (conn row first) is handled too: the conn row leaves an entry pointing at its beat,
 * and a later ssl/http row rewrites the beat's ref. Either way an entry whose connection has
 * arrived ("joined") stays in a window of the most recent joins (caps.maxUidJoinWindow), so
 * a late row still finds it; the oldest joined entries leave the window, and only entries
 * still waiting for their connection are kept without limit other than caps.maxUidNames
 * (counted as detect_uid_names_cap when hit). Memory is thus bounded by the caps, not by
 * the number of lines.
 *
 * Merge rule (as before): SNI beats a Host (a CONNECT request names the host, the TLS inside
 * names it again); "proxied" is sticky.
 */

/** Name ref of a beat with no TLS/HTTP information (the DNS answer names it, or nothing). */
export const NO_INFO = -1;

/** Name id of a ref (-1 when the connection's TLS/HTTP records carried no usable name). */
export function refName(ref: number): number {
  return (ref >> 1) - 1;
}

/** True when the connection carried a CONNECT or absolute-URI request (HTTP proxy). */
export function refProxied(ref: number): boolean {
  return (ref & 1) === 1;
}

function makeRef(nameId: number, proxied: boolean): number {
  return ((nameId + 1) << 1) | (proxied ? 1 : 0);
}

/** What holds a joined connection: told when the connection's name ref changes. */
export interface UidJoinOwner {
  /**
   * @param beat index of the connection's beat, or -1 when it is not a stored beat
   * @param uid the connection's uid
   * @param ref the new name ref
   * @param key the owner's key given to join() (which of its entries: a pair id)
   */
  uidRefChanged(beat: number, uid: string, ref: number, key: number): void;
}

const FLAG_TLS = 1;
const FLAG_PROXIED = 2;
const FLAG_INFO = 4;
const FLAG_JOINED = 8;

/** Slot columns start at this size and double. */
const INITIAL_SLOTS = 1024;

export class UidJoin {
  /**
   * uid -> slot: an open-addressing table with linear probing, keyed by uidHash() of the uid,
   * at most half full. Each cell is two numbers side by side: slot + 1 (0 when empty) and the
   * uid's hash, so a probe reads one cache line and the slot's columns (and its uid string)
   * are read only on a hash match. A Map<string, number> did three string-keyed operations
   * per connection (get, set, and the delete of the entry leaving the window); here the hash
   * is computed once per record and the probes read one typed array.
   */
  private table = new Int32Array(INITIAL_SLOTS * 4);
  /** Cells - 1 (cell i is table[2i], table[2i + 1]). */
  private mask = INITIAL_SLOTS * 2 - 1;
  /** Live entries in the table. */
  private count = 0;
  private hashOf = new Int32Array(INITIAL_SLOTS);
  private nameIdOf = new Int32Array(INITIAL_SLOTS);
  private flags = new Uint8Array(INITIAL_SLOTS);
  private beatOf = new Int32Array(INITIAL_SLOTS);
  private keyOf = new Int32Array(INITIAL_SLOTS);
  private readonly ownerOf: (UidJoinOwner | null)[] = [];
  private readonly uidOf: string[] = [];
  private readonly free: number[] = [];
  private used = 0;
  /** Joined slots, oldest first (a ring buffer of maxWindow entries). */
  private readonly ring: Int32Array;
  private ringHead = 0;
  private ringLen = 0;
  /** Interned names: id -> name. */
  readonly names: string[] = [];
  private readonly nameIds = new Map<string, number>();
  /** True once any connection was seen proxied. */
  anyProxied = false;
  /** Entries waiting for their connection (not in the window). */
  private waiting = 0;

  /**
   * @param maxWaiting entries whose connection has not arrived (caps.maxUidNames)
   * @param maxWindow joined entries kept for late TLS/HTTP rows (caps.maxUidJoinWindow)
   * @param capHit called when maxWaiting is hit
   */
  constructor(
    private readonly maxWaiting: number,
    private readonly maxWindow: number,
    private readonly capHit: () => void,
  ) {
    this.ring = new Int32Array(Math.max(1, maxWindow));
  }

  /** Entries held (waiting and in the window). */
  get size(): number {
    return this.count;
  }

  /** Slot of a uid whose uidHash() is h, or -1. */
  private find(uid: string, h: number): number {
    const t = this.table;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const c = t[2 * i];
      if (c === 0) return -1;
      if (t[2 * i + 1] === h && this.uidOf[c - 1] === uid) return c - 1;
    }
  }

  /** Put slot s (its hashOf set) in the table. */
  private insert(s: number): void {
    if ((this.count + 1) * 4 > this.table.length) this.growTable();
    const t = this.table;
    const mask = this.mask;
    const h = this.hashOf[s];
    let i = h & mask;
    while (t[2 * i] !== 0) i = (i + 1) & mask;
    t[2 * i] = s + 1;
    t[2 * i + 1] = h;
    this.count++;
  }

  /** Take slot s out of the table (backward-shift deletion: no tombstones). */
  private remove(s: number): void {
    const t = this.table;
    const mask = this.mask;
    let i = this.hashOf[s] & mask;
    while (t[2 * i] !== s + 1) {
      if (t[2 * i] === 0) return;
      i = (i + 1) & mask;
    }
    for (let j = (i + 1) & mask; t[2 * j] !== 0; j = (j + 1) & mask) {
      const k = t[2 * j + 1] & mask;
      // The entry at j stays when its home k lies cyclically in (i, j].
      if (i <= j ? i < k && k <= j : i < k || k <= j) continue;
      t[2 * i] = t[2 * j];
      t[2 * i + 1] = t[2 * j + 1];
      i = j;
    }
    t[2 * i] = 0;
    this.count--;
  }

  private growTable(): void {
    const old = this.table;
    const t = new Int32Array(old.length * 2);
    const mask = t.length / 2 - 1;
    for (let j = 0; j < old.length; j += 2) {
      const c = old[j];
      if (c === 0) continue;
      const h = old[j + 1];
      let i = h & mask;
      while (t[2 * i] !== 0) i = (i + 1) & mask;
      t[2 * i] = c;
      t[2 * i + 1] = h;
    }
    this.table = t;
    this.mask = mask;
  }

  /** Id of an interned name. */
  private intern(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.nameIds.set(name, id);
    }
    return id;
  }

  private newSlot(uid: string, h: number): number {
    let s = this.free.pop();
    if (s === undefined) {
      s = this.used++;
      if (s >= this.flags.length) this.grow();
      this.ownerOf.push(null);
      this.uidOf.push(uid);
    } else {
      this.ownerOf[s] = null;
      this.uidOf[s] = uid;
    }
    this.nameIdOf[s] = -1;
    this.flags[s] = 0;
    this.beatOf[s] = -1;
    this.hashOf[s] = h;
    this.insert(s);
    return s;
  }

  private grow(): void {
    const n = this.flags.length * 2;
    const a = new Int32Array(n);
    a.set(this.nameIdOf);
    this.nameIdOf = a;
    const f = new Uint8Array(n);
    f.set(this.flags);
    this.flags = f;
    const b = new Int32Array(n);
    b.set(this.beatOf);
    this.beatOf = b;
    const k = new Int32Array(n);
    k.set(this.keyOf);
    this.keyOf = k;
    const h = new Int32Array(n);
    h.set(this.hashOf);
    this.hashOf = h;
  }

  private refOf(s: number): number {
    const f = this.flags[s];
    return (f & FLAG_INFO) === 0 ? NO_INFO : makeRef(this.nameIdOf[s], (f & FLAG_PROXIED) !== 0);
  }

  /** Merge a TLS/HTTP record's knowledge about connection `uid`. */
  note(uid: string, name: string | null, tls: boolean, proxied: boolean): void {
    if (!uid) return;
    if (proxied) this.anyProxied = true;
    const h = uidHash(uid);
    let s = this.find(uid, h);
    if (s < 0) {
      if (this.waiting >= this.maxWaiting) {
        this.capHit();
        return;
      }
      s = this.newSlot(uid, h);
      this.waiting++;
    }
    const f = this.flags[s];
    const before = this.refOf(s);
    let nf = f | FLAG_INFO | (proxied ? FLAG_PROXIED : 0);
    if (name && (this.nameIdOf[s] < 0 || (tls && (f & FLAG_TLS) === 0))) {
      this.nameIdOf[s] = this.intern(name);
      if (tls) nf |= FLAG_TLS;
    }
    this.flags[s] = nf;
    if ((nf & FLAG_JOINED) !== 0) {
      const ref = this.refOf(s);
      if (ref !== before) this.ownerOf[s]?.uidRefChanged(this.beatOf[s], uid, ref, this.keyOf[s]);
    }
  }

  /**
   * A connection arrived: its name ref now, and the entry joined to `owner` (beat index
   * `beat`, or -1) so later TLS/HTTP rows update it.
   * @param hash uidHash(uid), when the caller has it already
   * @param key passed back to owner.uidRefChanged() (which of the owner's entries)
   */
  join(uid: string, owner: UidJoinOwner, beat: number, hash: number = uidHash(uid), key = 0): number {
    if (!uid) return NO_INFO;
    let s = this.find(uid, hash);
    if (s < 0) {
      s = this.newSlot(uid, hash);
    } else if ((this.flags[s] & FLAG_JOINED) !== 0) {
      // The same uid again (an open row and its closed row): the latest holder is told.
      this.ownerOf[s] = owner;
      this.beatOf[s] = beat;
      this.keyOf[s] = key;
      return this.refOf(s);
    } else {
      this.waiting--;
    }
    this.flags[s] |= FLAG_JOINED;
    this.ownerOf[s] = owner;
    this.beatOf[s] = beat;
    this.keyOf[s] = key;
    this.enterWindow(s);
    return this.refOf(s);
  }

  /**
   * A connection arrived that no detector keeps a beat for: its waiting entry (if any) is
   * dropped, so TLS/HTTP rows of untracked traffic do not pile up.
   */
  forget(uid: string): void {
    if (this.count === 0) return;
    const s = this.find(uid, uidHash(uid));
    if (s < 0 || (this.flags[s] & FLAG_JOINED) !== 0) return;
    this.remove(s);
    this.uidOf[s] = '';
    this.free.push(s);
    this.waiting--;
  }

  private enterWindow(s: number): void {
    const cap = this.ring.length;
    if (this.ringLen === cap) {
      const old = this.ring[this.ringHead];
      this.ringHead = (this.ringHead + 1) % cap;
      this.ringLen--;
      this.remove(old);
      this.ownerOf[old] = null;
      this.uidOf[old] = '';
      this.free.push(old);
    }
    this.ring[(this.ringHead + this.ringLen) % cap] = s;
    this.ringLen++;
  }

  /** Name ref of a uid held now (NO_INFO when unknown or evicted). */
  refFor(uid: string): number {
    const s = this.find(uid, uidHash(uid));
    return s < 0 ? NO_INFO : this.refOf(s);
  }

  /** Name of a ref, or null. */
  nameOf(ref: number): string | null {
    const id = ref === NO_INFO ? -1 : refName(ref);
    return id >= 0 ? this.names[id] : null;
  }
}

/** A 30-bit hash of a uid (FNV-1a), stored per beat for the open-connection de-duplication. */
export function uidHash(uid: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < uid.length; i++) h = Math.imul(h ^ uid.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}
