/**
 * Interning tables for the record path: an address becomes a small integer id once, and
 * state keyed by two ids (a pair, a source and a name) is found through an open-addressing
 * table of typed arrays. A record then costs one lookup per address string instead of a
 * Map lookup with a fresh string for every structure it updates, and the tables are not
 * traced by the garbage collector.
 *
 * Both tables use linear probing, at most half full, and never delete (what they index lives
 * until the end of the run, under its own cap).
 */

/** Table slots start at this size and double. */
const INITIAL_SLOTS = 1024;

/** murmur3's 32-bit finaliser: spreads the bits of a key over the table. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * The 32-bit value of a canonical dotted quad (`10.0.0.1`: four decimal parts 0..255, no
 * leading zeros, no sign), or -1. Only canonical texts map to a number, so two different
 * texts never share a value (`010.0.0.1` is looked up as a string, apart from `10.0.0.1`).
 */
export function canonicalIpv4(t: string): number {
  const len = t.length;
  if (len < 7 || len > 15) return -1;
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < len; i++) {
    const c = t.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && part === 0) return -1;
      part = part * 10 + (c - 0x30);
      digits++;
      if (part > 255) return -1;
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
 * Address text -> id (0, 1, 2... in the order of add()), with one small number per id (the
 * address class the caller caches there). Canonical IPv4 texts are keyed by their 32-bit
 * value in typed arrays (no string compared or hashed by the engine); anything else (IPv6,
 * odd texts) by a Map. Holds at most `max` addresses: add() returns -1 beyond.
 */
export class AddressTable {
  private keys = new Int32Array(INITIAL_SLOTS);
  /** id + 1 per slot, 0 when the slot is empty. */
  private slots = new Int32Array(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  private v4Count = 0;
  private readonly other = new Map<string, number>();
  /** Text of each id. */
  readonly text: string[] = [];
  /** The caller's number per id (an address class; 0 when the caller has not worked it out yet). */
  cls = new Uint8Array(INITIAL_SLOTS);

  /** @param max addresses held at most */
  constructor(readonly max: number) {}

  get size(): number {
    return this.text.length;
  }

  /** Id of an address, or -1 when it was never added. */
  find(addr: string): number {
    const v = canonicalIpv4(addr);
    if (v < 0) return this.other.get(addr) ?? -1;
    const k = v | 0;
    const keys = this.keys;
    const slots = this.slots;
    const mask = this.mask;
    for (let i = mix32(k) & mask; ; i = (i + 1) & mask) {
      const s = slots[i];
      if (s === 0) return -1;
      if (keys[i] === k) return s - 1;
    }
  }

  /**
   * Add an address that find() did not find.
   * @param c the number kept for it (cls[id])
   * @returns its id, or -1 when the table holds `max` addresses already
   */
  add(addr: string, c: number): number {
    const id = this.text.length;
    if (id >= this.max) return -1;
    const v = canonicalIpv4(addr);
    if (v < 0) {
      this.other.set(addr, id);
    } else {
      if ((this.v4Count + 1) * 2 > this.slots.length) this.grow();
      const k = v | 0;
      const mask = this.mask;
      let i = mix32(k) & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.keys[i] = k;
      this.slots[i] = id + 1;
      this.v4Count++;
    }
    this.text.push(addr);
    if (id >= this.cls.length) {
      const c2 = new Uint8Array(this.cls.length * 2);
      c2.set(this.cls);
      this.cls = c2;
    }
    this.cls[id] = c;
    return id;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldSlots = this.slots;
    const n = oldSlots.length * 2;
    const keys = new Int32Array(n);
    const slots = new Int32Array(n);
    const mask = n - 1;
    for (let j = 0; j < oldSlots.length; j++) {
      const s = oldSlots[j];
      if (s === 0) continue;
      let i = mix32(oldKeys[j]) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      keys[i] = oldKeys[j];
      slots[i] = s;
    }
    this.keys = keys;
    this.slots = slots;
    this.mask = mask;
  }
}

/**
 * (a, b) -> value for non-negative integer keys (two interned ids), values 0..2^31-2.
 * Keys and values sit side by side in three typed arrays, so a probe reads one index of each.
 */
export class IdPairTable {
  private ka = new Int32Array(INITIAL_SLOTS);
  private kb = new Int32Array(INITIAL_SLOTS);
  /** value + 1 per slot, 0 when empty. */
  private val = new Int32Array(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Value of (a, b), or -1. */
  get(a: number, b: number): number {
    const ka = this.ka;
    const kb = this.kb;
    const val = this.val;
    const mask = this.mask;
    for (let i = pairHash(a, b) & mask; ; i = (i + 1) & mask) {
      const v = val[i];
      if (v === 0) return -1;
      if (ka[i] === a && kb[i] === b) return v - 1;
    }
  }

  /** Set (a, b) -> v; the caller checked that (a, b) is not there yet. */
  set(a: number, b: number, v: number): void {
    if ((this.count + 1) * 2 > this.val.length) this.grow();
    const mask = this.mask;
    let i = pairHash(a, b) & mask;
    while (this.val[i] !== 0) i = (i + 1) & mask;
    this.ka[i] = a;
    this.kb[i] = b;
    this.val[i] = v + 1;
    this.count++;
  }

  private grow(): void {
    const { ka: oa, kb: ob, val: ov } = this;
    const n = ov.length * 2;
    const ka = new Int32Array(n);
    const kb = new Int32Array(n);
    const val = new Int32Array(n);
    const mask = n - 1;
    for (let j = 0; j < ov.length; j++) {
      if (ov[j] === 0) continue;
      let i = pairHash(oa[j], ob[j]) & mask;
      while (val[i] !== 0) i = (i + 1) & mask;
      ka[i] = oa[j];
      kb[i] = ob[j];
      val[i] = ov[j];
    }
    this.ka = ka;
    this.kb = kb;
    this.val = val;
    this.mask = mask;
  }
}

function pairHash(a: number, b: number): number {
  return mix32(Math.imul(a, 0x9e3779b1) ^ b);
}

/**
 * DNS name -> id (0, 1, 2... in the order of add()), with the name's registered domain kept
 * per id (worked out once, when the name is added) and the domain's own id once it has one.
 * One Map lookup per DNS record then finds the name, its domain and the domain's id, and the
 * DNS trackers find their state by (querier id, name id) in IdPairTables. Holds at most `max`
 * names: add() returns -1 beyond.
 */
export class NameTable {
  private readonly ids = new Map<string, number>();
  /** Text of each id. */
  readonly text: string[] = [];
  /** Registered domain of each id's name. */
  readonly domain: string[] = [];
  /** Id of that domain, -1 while it has none (see domainId()). */
  private domainIds: number[] = [];

  /** @param max names held at most */
  constructor(readonly max: number) {}

  get size(): number {
    return this.text.length;
  }

  /** Id of a name, or -1 when it was never added. */
  find(name: string): number {
    return this.ids.get(name) ?? -1;
  }

  /**
   * Add a name that find() did not find.
   * @param domain its registered domain
   * @returns its id, or -1 when the table holds `max` names already
   */
  add(name: string, domain: string): number {
    const id = this.text.length;
    if (id >= this.max) return -1;
    this.ids.set(name, id);
    this.text.push(name);
    this.domain.push(domain);
    this.domainIds.push(domain === name ? id : -1);
    return id;
  }

  /** Id of the registered domain of name `id`, -1 while the domain is not added (looked up again then). */
  domainId(id: number): number {
    let d = this.domainIds[id];
    if (d < 0) {
      d = this.find(this.domain[id]);
      if (d >= 0) this.domainIds[id] = d;
    }
    return d;
  }
}
