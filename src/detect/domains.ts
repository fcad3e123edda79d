/**
 * Domain names: public-suffix rules (registered domain), and sets of exact names and
 * `*.suffix` patterns used by allow-lists, periodic-by-design lists and indicators.
 */

/** Lower-case, no trailing dot; null for empty or clearly non-name input. */
export function normalizeName(name: string | null | undefined): string | null {
  if (!name) return null;
  let s = name.trim().toLowerCase();
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s.length === 0 || s.length > 253 || s.indexOf(' ') >= 0) return null;
  return s;
}

/** True for a DNS name made of letters, digits, `-`, `_` and dots (what lists may hold). */
export function isDomainLike(name: string): boolean {
  return /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/i.test(name) && name.length <= 253;
}

/**
 * A small built-in subset of the Public Suffix List (https://publicsuffix.org, MPL-2.0),
 * used when no list is loaded: multi-label ICANN suffixes common in traffic, plus private
 * suffixes under which anyone can register a name (dynamic DNS, hosting), which matter for
 * C2. The full list ships as signatures/public_suffix_list.dat and the CLI loads it.
 */
export const BUILTIN_PUBLIC_SUFFIXES: readonly string[] = [
  'co.uk', 'org.uk', 'ac.uk', 'gov.uk', 'me.uk', 'net.uk', 'ltd.uk', 'plc.uk',
  'com.au', 'net.au', 'org.au', 'edu.au', 'gov.au',
  'co.jp', 'ne.jp', 'or.jp', 'ac.jp', 'go.jp',
  'co.nz', 'org.nz', 'net.nz', 'co.za', 'org.za', 'co.in', 'net.in', 'org.in', 'firm.in',
  'com.br', 'net.br', 'org.br', 'com.cn', 'net.cn', 'org.cn', 'gov.cn', 'com.hk', 'com.tw',
  'co.kr', 'or.kr', 'com.sg', 'com.my', 'com.mx', 'com.ar', 'com.tr', 'com.ua', 'com.pl',
  'co.il', 'co.id', 'co.th', 'com.vn', 'com.ru', 'com.es', 'com.co', 'com.pe', 'com.ph',
  'com.pk', 'com.sa', 'com.eg', 'com.ng', 'co.ke',
  // Private section: names anyone can register under.
  'duckdns.org', 'no-ip.org', 'no-ip.biz', 'ddns.net', 'hopto.org', 'zapto.org', 'sytes.net',
  'dyndns.org', 'dynv6.net', 'freedns.afraid.org', 'ngrok.io', 'ngrok-free.app', 'trycloudflare.com',
  'workers.dev', 'pages.dev', 'herokuapp.com', 'azurewebsites.net', 'cloudfront.net',
  'appspot.com', 'web.app', 'firebaseapp.com', 'github.io', 'gitlab.io', 'netlify.app',
  'vercel.app', 'blogspot.com', 's3.amazonaws.com', 'r2.dev', 'onrender.com', 'fly.dev',
];

/**
 * Public suffix rules in the PSL format: `suffix`, `*.suffix` (wildcard) and `!name`
 * (exception). The default rule `*` applies: an unknown TLD is a one-label suffix.
 */
export class PublicSuffixes {
  private readonly exact = new Set<string>();
  private readonly wildcard = new Set<string>();
  private readonly exception = new Set<string>();
  readonly size: number;

  constructor(rules: Iterable<string>) {
    let n = 0;
    for (const raw of rules) {
      const r = raw.trim().toLowerCase();
      if (r.length === 0 || r.startsWith('//')) continue;
      n++;
      if (r.startsWith('!')) this.exception.add(r.slice(1));
      else if (r.startsWith('*.')) this.wildcard.add(r.slice(2));
      else this.exact.add(r);
    }
    this.size = n;
  }

  /** Number of labels of the public suffix of `name` (at least 1). */
  private suffixLabels(labels: string[]): number {
    // Longest matching rule wins; exceptions beat wildcards (PSL algorithm).
    for (let i = 0; i < labels.length; i++) {
      const cand = labels.slice(i).join('.');
      if (this.exception.has(cand)) return labels.length - i - 1;
      if (this.exact.has(cand)) return labels.length - i;
      if (i > 0 && this.wildcard.has(cand)) return labels.length - i + 1;
    }
    return 1;
  }

  /**
   * The registered domain ("eTLD+1") of a name: `a.b.example.co.uk` -> `example.co.uk`.
   * A name that is itself a public suffix, or a bare address, is returned as is.
   */
  registeredDomain(name: string): string {
    const labels = name.split('.');
    if (labels.length <= 1) return name;
    const k = this.suffixLabels(labels);
    if (k >= labels.length) return name;
    return labels.slice(labels.length - k - 1).join('.');
  }
}

/**
 * Exact names plus `*.suffix` patterns. A `*.example.com` entry matches example.com itself
 * and every name under it; with `subdomains` true (indicator lists) a plain entry does too.
 */
export class DomainSet<V = true> {
  private readonly exact = new Map<string, V>();
  private readonly suffix = new Map<string, V>();
  size = 0;

  constructor(private readonly subdomains = false) {}

  /** Add one entry; false when it is not a usable name. */
  add(entry: string, value: V): boolean {
    let e = entry.trim().toLowerCase();
    let isSuffix = this.subdomains;
    if (e.startsWith('*.')) {
      e = e.slice(2);
      isSuffix = true;
    } else if (e.startsWith('.')) {
      e = e.slice(1);
      isSuffix = true;
    }
    const n = normalizeName(e);
    if (!n || !isDomainLike(n)) return false;
    (isSuffix ? this.suffix : this.exact).set(n, value);
    this.size++;
    return true;
  }

  /** The value of the entry matching `name` (exact first, then the longest suffix). */
  get(name: string | null | undefined): V | undefined {
    const n = normalizeName(name);
    if (!n) return undefined;
    const v = this.exact.get(n);
    if (v !== undefined) return v;
    if (this.suffix.size === 0) return undefined;
    let s = n;
    for (;;) {
      const hit = this.suffix.get(s);
      if (hit !== undefined) return hit;
      const dot = s.indexOf('.');
      if (dot < 0) return undefined;
      s = s.slice(dot + 1);
    }
  }

  has(name: string | null | undefined): boolean {
    return this.get(name) !== undefined;
  }
}
