/**
 * ClientHello / ServerHello bodies (RFC 8446 4.1.2-4.1.3, RFC 5246 7.4.1), and the JA3 / JA4
 * fingerprints built from them.
 *
 *   ClientHello: legacy_version(2) random(32) session_id<0..32> cipher_suites<2..2^16-2>
 *                compression_methods<1..2^8-1> extensions<0..2^16-1>
 *   ServerHello: legacy_version(2) random(32) session_id<0..32> cipher_suite(2)
 *                compression_method(1) extensions<0..2^16-1>
 *   Extension:   type(2) length(2) data
 *
 * `buf[off, end)` is the handshake body (after the 4-byte handshake header). Lengths are checked
 * against `end` before every read; a body that does not fit returns null (the caller counts it).
 */
import { createHash } from 'node:crypto';
import { isGrease, TLSv13 } from './tls-names.js';

export const EXT_SERVER_NAME = 0;
export const EXT_SUPPORTED_GROUPS = 10;
export const EXT_EC_POINT_FORMATS = 11;
export const EXT_SIGNATURE_ALGORITHMS = 13;
export const EXT_ALPN = 16;
export const EXT_SESSION_TICKET = 35;
export const EXT_PRE_SHARED_KEY = 41;
export const EXT_SUPPORTED_VERSIONS = 43;
export const EXT_KEY_SHARE = 51;

/** Server names, ALPN values and list entries kept per hello (the rest is counted, not kept). */
export const MAX_LIST_ITEMS = 128;

export interface ClientHello {
  version: number;
  sessionId: string;
  ciphers: number[];
  extensions: number[];
  groups: number[];
  pointFormats: number[];
  sigAlgs: number[];
  versions: number[];
  alpn: string[];
  serverName: string | null;
  /** Session ticket extension present with data (Zeek's client_ticket_empty_session_seen). */
  ticket: boolean;
  psk: boolean;
}

export interface ServerHello {
  version: number;
  sessionId: string;
  cipher: number;
  extensions: number[];
  /** supported_versions selected version (TLS 1.3), 0 when absent. */
  selectedVersion: number;
  /** key_share group (TLS 1.3), -1 when absent. */
  keyShareGroup: number;
  alpn: string | null;
  psk: boolean;
}

function u16(b: Buffer, p: number): number {
  return (b[p] << 8) | b[p + 1];
}

/** Parse a ClientHello body; null when malformed. */
export function parseClientHello(b: Buffer, off: number, end: number): ClientHello | null {
  let p = off;
  if (end - p < 35) return null;
  const ch: ClientHello = {
    version: u16(b, p),
    sessionId: '',
    ciphers: [],
    extensions: [],
    groups: [],
    pointFormats: [],
    sigAlgs: [],
    versions: [],
    alpn: [],
    serverName: null,
    ticket: false,
    psk: false,
  };
  p += 34;
  const sidLen = b[p++];
  if (p + sidLen > end) return null;
  ch.sessionId = b.toString('hex', p, p + sidLen);
  p += sidLen;
  if (p + 2 > end) return null;
  const csLen = u16(b, p);
  p += 2;
  if (p + csLen > end) return null;
  for (let i = 0; i + 1 < csLen; i += 2) if (ch.ciphers.length < 1024) ch.ciphers.push(u16(b, p + i));
  p += csLen;
  if (p + 1 > end) return null;
  const compLen = b[p++];
  if (p + compLen > end) return null;
  p += compLen;
  if (p + 2 > end) return ch; // no extensions (SSLv3 / old TLS)
  const extLen = u16(b, p);
  p += 2;
  const extEnd = Math.min(end, p + extLen);
  while (p + 4 <= extEnd) {
    const type = u16(b, p);
    const len = u16(b, p + 2);
    const ds = p + 4;
    const de = ds + len;
    if (de > extEnd) return ch;
    if (ch.extensions.length < 1024) ch.extensions.push(type);
    switch (type) {
      case EXT_SERVER_NAME: {
        // server_name_list<1..2^16-1>: name_type(1) HostName<1..2^16-1>
        let q = ds + 2;
        while (q + 3 <= de) {
          const nt = b[q];
          const nl = u16(b, q + 1);
          if (q + 3 + nl > de) break;
          if (nt === 0 && ch.serverName === null) ch.serverName = b.toString('latin1', q + 3, q + 3 + nl);
          q += 3 + nl;
        }
        break;
      }
      case EXT_SUPPORTED_GROUPS:
        for (let q = ds + 2; q + 1 < de && ch.groups.length < MAX_LIST_ITEMS; q += 2) ch.groups.push(u16(b, q));
        break;
      case EXT_EC_POINT_FORMATS:
        for (let q = ds + 1; q < de && ch.pointFormats.length < MAX_LIST_ITEMS; q++) ch.pointFormats.push(b[q]);
        break;
      case EXT_SIGNATURE_ALGORITHMS:
        for (let q = ds + 2; q + 1 < de && ch.sigAlgs.length < MAX_LIST_ITEMS; q += 2) ch.sigAlgs.push(u16(b, q));
        break;
      case EXT_SUPPORTED_VERSIONS:
        for (let q = ds + 1; q + 1 < de && ch.versions.length < MAX_LIST_ITEMS; q += 2) ch.versions.push(u16(b, q));
        break;
      case EXT_ALPN: {
        let q = ds + 2;
        while (q < de && ch.alpn.length < MAX_LIST_ITEMS) {
          const l = b[q];
          if (q + 1 + l > de) break;
          ch.alpn.push(b.toString('latin1', q + 1, q + 1 + l));
          q += 1 + l;
        }
        break;
      }
      case EXT_SESSION_TICKET:
        if (len > 0) ch.ticket = true;
        break;
      case EXT_PRE_SHARED_KEY:
        ch.psk = true;
        break;
    }
    p = de;
  }
  return ch;
}

/** Parse a ServerHello body; null when malformed. */
export function parseServerHello(b: Buffer, off: number, end: number): ServerHello | null {
  let p = off;
  if (end - p < 35) return null;
  const sh: ServerHello = {
    version: u16(b, p),
    sessionId: '',
    cipher: 0,
    extensions: [],
    selectedVersion: 0,
    keyShareGroup: -1,
    alpn: null,
    psk: false,
  };
  p += 34;
  const sidLen = b[p++];
  if (p + sidLen + 3 > end) return null;
  sh.sessionId = b.toString('hex', p, p + sidLen);
  p += sidLen;
  sh.cipher = u16(b, p);
  p += 3;
  if (p + 2 > end) return sh;
  const extLen = u16(b, p);
  p += 2;
  const extEnd = Math.min(end, p + extLen);
  while (p + 4 <= extEnd) {
    const type = u16(b, p);
    const len = u16(b, p + 2);
    const ds = p + 4;
    const de = ds + len;
    if (de > extEnd) break;
    if (sh.extensions.length < 1024) sh.extensions.push(type);
    if (type === EXT_SUPPORTED_VERSIONS && len >= 2) sh.selectedVersion = u16(b, ds);
    else if (type === EXT_KEY_SHARE && len >= 2) sh.keyShareGroup = u16(b, ds);
    else if (type === EXT_ALPN && len >= 3) {
      const l = b[ds + 2];
      if (ds + 3 + l <= de) sh.alpn = b.toString('latin1', ds + 3, ds + 3 + l);
    } else if (type === EXT_PRE_SHARED_KEY) sh.psk = true;
    p = de;
  }
  return sh;
}

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

function sha256_12(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

function noGrease(xs: number[]): number[] {
  return xs.filter((x) => !isGrease(x));
}

/** JA3 (salesforce/ja3): md5 of `version,ciphers,extensions,groups,point_formats`, GREASE removed. */
export function ja3(ch: ClientHello): string {
  return md5(
    ch.version + ',' + noGrease(ch.ciphers).join('-') + ',' + noGrease(ch.extensions).join('-') + ',' +
      noGrease(ch.groups).join('-') + ',' + ch.pointFormats.join('-'),
  );
}

/** JA3S: md5 of `version,cipher,extensions` of the ServerHello. */
export function ja3s(sh: ServerHello): string {
  return md5(sh.version + ',' + sh.cipher + ',' + sh.extensions.join('-'));
}

function ja4Version(v: number): string {
  switch (v) {
    case 0x0304: return '13';
    case 0x0303: return '12';
    case 0x0302: return '11';
    case 0x0301: return '10';
    case 0x0300: return 's3';
    case 0x0002: return 's2';
    case 0xfeff: return 'd1';
    case 0xfefd: return 'd2';
    case 0xfefc: return 'd3';
  }
  return '00';
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}

/**
 * JA4 (FoxIO JA4 spec, "JA4: TLS Client Fingerprint"):
 * `<t|q|d><version><d|i><ciphers 2 digits><extensions 2 digits><alpn first+last>`
 * `_<sha256[0:12] of sorted cipher hex>_<sha256[0:12] of sorted extension hex (no SNI, no ALPN)
 * "_" signature algorithms in order>`.
 * @param transport 't' TCP, 'q' QUIC, 'd' DTLS
 */
export function ja4(ch: ClientHello, transport: 't' | 'q' | 'd'): string {
  const versions = noGrease(ch.versions);
  const version = versions.length > 0 ? Math.max(...versions) : ch.version;
  const ciphers = noGrease(ch.ciphers);
  const exts = noGrease(ch.extensions);
  let alpn = '00';
  if (ch.alpn.length > 0 && ch.alpn[0].length > 0) {
    const a = ch.alpn[0];
    const f = a.charCodeAt(0);
    const l = a.charCodeAt(a.length - 1);
    if (isAlnum(f) && isAlnum(l)) alpn = a[0] + a[a.length - 1];
    else {
      const h = Buffer.from(a, 'latin1').toString('hex');
      alpn = h[0] + h[h.length - 1];
    }
  }
  const a =
    transport + ja4Version(version) + (ch.serverName !== null ? 'd' : 'i') +
    String(Math.min(ciphers.length, 99)).padStart(2, '0') + String(Math.min(exts.length, 99)).padStart(2, '0') + alpn;
  const b = ciphers.length === 0 ? '000000000000' : sha256_12(ciphers.map(hex4).sort().join(','));
  const extSorted = exts.filter((e) => e !== EXT_SERVER_NAME && e !== EXT_ALPN).map(hex4).sort().join(',');
  const sig = noGrease(ch.sigAlgs).map(hex4).join(',');
  const c = exts.length === 0 ? '000000000000' : sha256_12(sig.length > 0 ? extSorted + '_' + sig : extSorted);
  return a + '_' + b + '_' + c;
}

/** The version a ServerHello negotiated: supported_versions when present (TLS 1.3), else legacy. */
export function negotiatedVersion(sh: ServerHello): number {
  return sh.selectedVersion !== 0 ? sh.selectedVersion : sh.version;
}

export { TLSv13 };
