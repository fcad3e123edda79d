/**
 * QUIC Initial packets (RFC 9000 17.2.2, RFC 9001 5, RFC 9369 for version 2): the Initial
 * packets of both sides are protected with keys derived from the client's Destination
 * Connection ID and a public salt, so the TLS ClientHello and ServerHello they carry in CRYPTO
 * frames can be read by anyone. We decrypt them (Node's AES-GCM), reassemble the CRYPTO stream
 * of each side (at most MAX_CRYPTO_BYTES), and hand the handshake messages to the TLS analyzer,
 * which emits the ssl.log row; service becomes `quic,ssl` as in Zeek.
 *
 *   Long header: 1|1|T T|R R|P P  Version(32)  DCID Len(8) DCID  SCID Len(8) SCID
 *   Initial:     Token Length(i) Token  Length(i)  Packet Number(8..32)  Payload
 *
 * Only the first MAX_DATAGRAMS datagrams of a connection are looked at.
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import type { AnomalyCounter } from '../../core/anomaly.js';
import type { ConnId, RecordSink } from '../../core/records.js';
import { TlsAnalyzer } from '../tls/tls-analyzer.js';
import { Weird } from '../weird.js';

/** CRYPTO stream bytes kept per direction (a ClientHello with post-quantum key shares is ~2 KB). */
export const MAX_CRYPTO_BYTES = 16384;
/** Datagrams examined per connection before QUIC analysis stops. */
export const MAX_DATAGRAMS = 16;

const V1 = 0x00000001;
const V2 = 0x6b3343cf;
const SALT_V1 = Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex');
const SALT_V2 = Buffer.from('0dede3def700a6db819381be6e269dcbf9bd2ed9', 'hex');
/** draft-29 salt, still seen from older stacks. */
const SALT_DRAFT29 = Buffer.from('afbfec289993d24c9e9786f19c6111e04390a899', 'hex');

interface Keys {
  key: Buffer;
  iv: Buffer;
  hp: Buffer;
}

function hkdfExtract(salt: Buffer, ikm: Buffer): Buffer {
  return createHmac('sha256', salt).update(ikm).digest();
}

/** HKDF-Expand-Label (RFC 8446 7.1) for outputs of at most 32 bytes (one HMAC block). */
function expandLabel(secret: Buffer, label: string, len: number): Buffer {
  const full = Buffer.from('tls13 ' + label, 'latin1');
  const info = Buffer.alloc(2 + 1 + full.length + 1 + 1);
  info.writeUInt16BE(len, 0);
  info[2] = full.length;
  full.copy(info, 3);
  info[3 + full.length] = 0; // empty context
  info[4 + full.length] = 1; // HKDF-Expand counter T(1)
  return createHmac('sha256', secret).update(info).digest().subarray(0, len);
}

function deriveKeys(version: number, dcid: Buffer, server: boolean): Keys | null {
  let salt: Buffer;
  let prefix: string;
  if (version === V1) {
    salt = SALT_V1;
    prefix = 'quic ';
  } else if (version === V2) {
    salt = SALT_V2;
    prefix = 'quicv2 ';
  } else if (version === 0xff00001d) {
    salt = SALT_DRAFT29;
    prefix = 'quic ';
  } else return null;
  const initial = hkdfExtract(salt, dcid);
  const secret = expandLabel(initial, server ? 'server in' : 'client in', 32);
  return { key: expandLabel(secret, prefix + 'key', 16), iv: expandLabel(secret, prefix + 'iv', 12), hp: expandLabel(secret, prefix + 'hp', 16) };
}

/** Variable-length integer (RFC 9000 16) at `p`; returns [value, next offset] or null. */
function varint(b: Buffer, p: number, end: number): [number, number] | null {
  if (p >= end) return null;
  const n = 1 << (b[p] >> 6);
  if (p + n > end) return null;
  let v = b[p] & 0x3f;
  for (let i = 1; i < n; i++) v = v * 256 + b[p + i];
  return [v, p + n];
}

class CryptoStream {
  readonly data = Buffer.alloc(0);
  private chunks: Array<{ off: number; buf: Buffer }> = [];
  /** Contiguous bytes from offset 0. */
  contiguous: Buffer = Buffer.alloc(0);
  /** Bytes of `contiguous` already handed on as handshake messages. */
  consumed = 0;
  overflow = false;

  add(off: number, b: Buffer): void {
    if (off + b.length > MAX_CRYPTO_BYTES) {
      this.overflow = true;
      return;
    }
    this.chunks.push({ off, buf: Buffer.from(b) });
    this.chunks.sort((x, y) => x.off - y.off);
    let cur = this.contiguous;
    const rest: Array<{ off: number; buf: Buffer }> = [];
    for (const c of this.chunks) {
      if (c.off <= cur.length) {
        if (c.off + c.buf.length > cur.length) cur = Buffer.concat([cur, c.buf.subarray(cur.length - c.off)]);
      } else rest.push(c);
    }
    this.contiguous = cur;
    this.chunks = rest;
  }
}

export class QuicAnalyzer {
  private clientDcid: Buffer | null = null;
  private version = 0;
  private clientKeys: Keys | null = null;
  private serverKeys: Keys | null = null;
  private readonly cs = new CryptoStream();
  private readonly ss = new CryptoStream();
  private readonly tls: TlsAnalyzer;
  private datagrams = 0;
  private serverSeen = false;
  private decrypted = false;
  done = false;

  private readonly weird: Weird;

  constructor(sink: RecordSink, anomalies: AnomalyCounter, id: ConnId, uid: string) {
    this.tls = new TlsAnalyzer(sink, anomalies, id, uid, 'q');
    this.weird = new Weird(anomalies, id, uid);
  }

  /** QUIC confirmed: a client Initial decrypted, or a valid Initial answered by the server. */
  get confirmed(): boolean {
    return this.decrypted || (this.clientDcid !== null && this.serverSeen);
  }

  /** The TLS handshake inside parsed (Zeek adds `ssl` to the service). */
  get sslConfirmed(): boolean {
    return this.tls.confirmed;
  }

  datagram(fromOrig: boolean, b: Buffer, off: number, len: number, ts: number): void {
    if (this.done) return;
    if (++this.datagrams > MAX_DATAGRAMS) {
      this.done = true;
      return;
    }
    const end = off + len;
    let p = off;
    // Coalesced packets (RFC 9000 12.2): walk long-header packets until a short header.
    while (p + 7 <= end && (b[p] & 0x80) !== 0) {
      const next = this.longPacket(fromOrig, b, p, end, ts);
      if (next <= p) break;
      p = next;
    }
    if (this.tls.client !== null && this.tls.server !== null) this.done = true;
  }

  end(): void {
    this.tls.end();
  }

  /** One long-header packet at `p`; returns the offset after it, or -1. */
  private longPacket(fromOrig: boolean, b: Buffer, p: number, end: number, ts: number): number {
    const first = b[p];
    const version = b.readUInt32BE(p + 1);
    if (version === 0) return -1; // Version Negotiation
    let q = p + 5;
    const dcil = b[q++];
    if (dcil > 20 || q + dcil >= end) return -1;
    const dcid = b.subarray(q, q + dcil);
    q += dcil;
    const scil = b[q++];
    if (scil > 20 || q + scil > end) return -1;
    q += scil;
    const type = (first >> 4) & 3;
    const isInitial = version === V2 ? type === 1 : type === 0;
    const isRetry = version === V2 ? type === 0 : type === 3;
    if (!fromOrig) this.serverSeen = true;
    if (isRetry) return -1; // rest of datagram is the Retry; the client's next Initial re-keys
    let token = 0;
    if (isInitial) {
      const t = varint(b, q, end);
      if (t === null) return -1;
      token = t[0];
      q = t[1] + token;
    }
    const l = varint(b, q, end);
    if (l === null) return -1;
    const pnOff = l[1];
    const pktEnd = pnOff + l[0];
    if (pktEnd > end) return -1;
    if (!isInitial) return pktEnd;
    if (fromOrig) {
      if (this.clientDcid === null || !this.clientDcid.equals(dcid)) {
        this.clientDcid = Buffer.from(dcid);
        this.version = version;
        this.clientKeys = deriveKeys(version, this.clientDcid, false);
        this.serverKeys = deriveKeys(version, this.clientDcid, true);
      }
    }
    const keys = fromOrig ? this.clientKeys : this.serverKeys;
    if (keys === null) return pktEnd;
    const payload = this.unprotect(b, p, pnOff, pktEnd, keys);
    if (payload === null) {
      this.weird.add('quic_initial_decrypt_failed');
      return pktEnd;
    }
    if (fromOrig) this.decrypted = true;
    this.frames(fromOrig, payload, ts);
    return pktEnd;
  }

  /** Remove header protection and decrypt (RFC 9001 5.3-5.4); null when authentication fails. */
  private unprotect(b: Buffer, p: number, pnOff: number, pktEnd: number, k: Keys): Buffer | null {
    if (pnOff + 4 + 16 > pktEnd) return null;
    const sample = b.subarray(pnOff + 4, pnOff + 20);
    const ecb = createCipheriv('aes-128-ecb', k.hp, null);
    ecb.setAutoPadding(false);
    const mask = ecb.update(sample);
    const header = Buffer.from(b.subarray(p, pnOff + 4));
    header[0] ^= mask[0] & 0x0f;
    const pnLen = (header[0] & 3) + 1;
    let pn = 0;
    const pnAt = pnOff - p;
    for (let i = 0; i < pnLen; i++) {
      header[pnAt + i] ^= mask[1 + i];
      pn = pn * 256 + header[pnAt + i];
    }
    const aad = header.subarray(0, pnAt + pnLen);
    const ctStart = pnOff + pnLen;
    if (pktEnd - ctStart < 16) return null;
    const nonce = Buffer.from(k.iv);
    for (let i = 0; i < 4; i++) nonce[11 - i] ^= (pn >>> (8 * i)) & 0xff;
    try {
      const d = createDecipheriv('aes-128-gcm', k.key, nonce);
      d.setAAD(aad);
      d.setAuthTag(b.subarray(pktEnd - 16, pktEnd));
      const out = d.update(b.subarray(ctStart, pktEnd - 16));
      d.final();
      return out;
    } catch {
      return null;
    }
  }

  /** Frames of a decrypted Initial payload: CRYPTO data is collected, the rest skipped. */
  private frames(fromOrig: boolean, f: Buffer, ts: number): void {
    const stream = fromOrig ? this.cs : this.ss;
    let p = 0;
    const end = f.length;
    while (p < end) {
      const t = f[p];
      if (t === 0x00 || t === 0x01) {
        p++;
        continue;
      }
      if (t === 0x02 || t === 0x03) {
        let r = varint(f, p + 1, end); // largest acknowledged
        if (r === null) return;
        r = varint(f, r[1], end); // delay
        if (r === null) return;
        const cnt = varint(f, r[1], end);
        if (cnt === null) return;
        r = varint(f, cnt[1], end); // first range
        if (r === null) return;
        let q = r[1];
        for (let i = 0; i < cnt[0] * 2 + (t === 0x03 ? 3 : 0); i++) {
          const x = varint(f, q, end);
          if (x === null) return;
          q = x[1];
        }
        p = q;
        continue;
      }
      if (t === 0x06) {
        const o = varint(f, p + 1, end);
        if (o === null) return;
        const l = varint(f, o[1], end);
        if (l === null || l[1] + l[0] > end) return;
        stream.add(o[0], f.subarray(l[1], l[1] + l[0]));
        p = l[1] + l[0];
        continue;
      }
      // CONNECTION_CLOSE or anything else: nothing more we need in this packet.
      break;
    }
    if (stream.overflow) this.weird.add('quic_crypto_stream_limit');
    this.handshake(fromOrig, stream, ts);
  }

  private handshake(fromOrig: boolean, s: CryptoStream, ts: number): void {
    const c = s.contiguous;
    while (s.consumed + 4 <= c.length) {
      const type = c[s.consumed];
      const len = (c[s.consumed + 1] << 16) | (c[s.consumed + 2] << 8) | c[s.consumed + 3];
      if (s.consumed + 4 + len > c.length) return;
      this.tls.handshakeMessage(fromOrig, type, c.subarray(s.consumed + 4, s.consumed + 4 + len), ts);
      s.consumed += 4 + len;
    }
  }
}
