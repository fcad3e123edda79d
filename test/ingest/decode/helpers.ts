/**
 * Test helpers for the packet decoders: the corpus location, a frame walker over
 * capture files, and a small builder for hand-written frames.
 *
 * `readFrames` uses the project's capture reader when it is there (readCaptureBuffer in
 * src/ingest/capture-reader.ts) and otherwise a tiny pcap/pcapng record walker kept here,
 * so that these tests do not depend on the reader's progress.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { AnomalyCounter } from '../../../src/core/anomaly.js';
import { DecodeStatus, PacketMeta } from '../../../src/core/packet.js';
import { ipToString } from '../../../src/core/ip.js';
import { PacketDecoder } from '../../../src/ingest/decode/packet-decoder.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The shared corpus (never copied into the project). */
export const CORPUS = path.resolve(here, '../../../../shared/corpus');
export const HAVE_CORPUS = existsSync(CORPUS);
export const corpusPath = (...parts: string[]): string => path.join(CORPUS, ...parts);

/** What a test keeps of one decoded packet (copied out of the reused PacketMeta). */
export interface DecodedPacket {
  no: number;
  status: DecodeStatus;
  linktype: number;
  vlan: number;
  innerVlan: number;
  ethertype: number;
  ipVersion: number;
  src: string;
  dst: string;
  proto: number;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  seq: number;
  ack: number;
  win: number;
  ttl: number;
  ipId: number;
  ipLen: number;
  icmpType: number;
  icmpCode: number;
  payloadLen: number;
  payloadWireLen: number;
  payload: Buffer;
  tunnel: number;
  outerSrc: string;
  outerDst: string;
  outerProto: number;
}

export function snapshot(m: PacketMeta, status: DecodeStatus): DecodedPacket {
  const ip = m.addrLen > 0;
  return {
    no: m.packetNo,
    status,
    linktype: m.linktype,
    vlan: m.vlan,
    innerVlan: m.innerVlan,
    ethertype: m.ethertype,
    ipVersion: m.ipVersion,
    src: ip ? ipToString(m.buf, m.srcOff, m.addrLen) : '',
    dst: ip ? ipToString(m.buf, m.dstOff, m.addrLen) : '',
    proto: m.proto,
    srcPort: m.srcPort,
    dstPort: m.dstPort,
    tcpFlags: m.tcpFlags,
    seq: m.seq,
    ack: m.ack,
    win: m.win,
    ttl: m.ttl,
    ipId: m.ipId,
    ipLen: m.ipLen,
    icmpType: m.icmpType,
    icmpCode: m.icmpCode,
    payloadLen: m.payloadLen,
    payloadWireLen: m.payloadWireLen,
    payload: Buffer.from(m.buf.subarray(m.payloadOff, m.payloadOff + m.payloadLen)),
    tunnel: m.tunnel,
    outerSrc: m.tunnel ? ipToString(m.buf, m.outerSrcOff, m.outerAddrLen) : '',
    outerDst: m.tunnel ? ipToString(m.buf, m.outerDstOff, m.outerAddrLen) : '',
    outerProto: m.outerProto,
  };
}

export interface DecodedFile {
  packets: DecodedPacket[];
  counts: Record<'ip' | 'nonIp' | 'anomaly' | 'fragment', number>;
  anomalies: AnomalyCounter;
}

/**
 * Walk the records of a classic pcap or pcapng file (optionally gzip-compressed) and call
 * `onFrame` with the PacketMeta the container reader would have filled.
 */
export function walkCapture(data: Buffer, onFrame: (m: PacketMeta) => void): void {
  if (data[0] === 0x1f && data[1] === 0x8b) data = gunzipSync(data);
  const m = new PacketMeta();
  m.buf = data;
  const magicLE = data.readUInt32LE(0);
  if (magicLE === 0x0a0d0d0a) return walkPcapng(data, m, onFrame);
  let le: boolean;
  let nano: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nano = magicLE === 0xa1b23c4d;
  } else {
    const be = data.readUInt32BE(0);
    if (be !== 0xa1b2c3d4 && be !== 0xa1b23c4d) throw new Error('not a capture');
    le = false;
    nano = be === 0xa1b23c4d;
  }
  const u32 = (o: number) => (le ? data.readUInt32LE(o) : data.readUInt32BE(o));
  m.linktype = u32(20);
  let off = 24;
  let no = 0;
  while (off + 16 <= data.length) {
    const caplen = u32(off + 8);
    if (off + 16 + caplen > data.length) break;
    m.tsSec = u32(off);
    m.tsNsec = nano ? u32(off + 4) : u32(off + 4) * 1000;
    m.caplen = caplen;
    m.wirelen = u32(off + 12);
    m.frameOff = off + 16;
    m.fileOffset = off;
    m.packetNo = ++no;
    m.buf = data;
    onFrame(m);
    off += 16 + caplen;
  }
}

function walkPcapng(data: Buffer, m: PacketMeta, onFrame: (m: PacketMeta) => void): void {
  let le = true;
  let off = 0;
  let no = 0;
  let ifaces: { linktype: number; tsDiv: number }[] = [];
  while (off + 12 <= data.length) {
    let type = data.readUInt32LE(off);
    if (type === 0x0a0d0d0a) {
      le = data.readUInt32LE(off + 8) === 0x1a2b3c4d;
      ifaces = [];
    }
    const u32 = (o: number) => (le ? data.readUInt32LE(o) : data.readUInt32BE(o));
    const u16 = (o: number) => (le ? data.readUInt16LE(o) : data.readUInt16BE(o));
    type = u32(off);
    const len = u32(off + 4);
    if (len < 12 || off + len > data.length) break;
    if (type === 1) {
      // IDB: linktype, reserved, snaplen, options (if_tsresol = 9)
      let tsDiv = 1e6;
      let o = off + 16;
      while (o + 4 <= off + len - 4) {
        const code = u16(o);
        const olen = u16(o + 2);
        if (code === 0) break;
        if (code === 9) {
          const r = data[o + 4];
          tsDiv = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
        }
        o += 4 + ((olen + 3) & ~3);
      }
      ifaces.push({ linktype: u16(off + 8), tsDiv });
    } else if (type === 6 || type === 3) {
      const ifc = type === 6 ? ifaces[u32(off + 8)] : ifaces[0];
      if (ifc) {
        m.linktype = ifc.linktype;
        if (type === 6) {
          const ts = u32(off + 12) * 2 ** 32 + u32(off + 16);
          m.tsSec = Math.floor(ts / ifc.tsDiv);
          m.tsNsec = Math.round(((ts % ifc.tsDiv) * 1e9) / ifc.tsDiv);
          m.caplen = u32(off + 20);
          m.wirelen = u32(off + 24);
          m.frameOff = off + 28;
        } else {
          m.wirelen = u32(off + 8);
          m.caplen = Math.min(m.wirelen, len - 16);
          m.frameOff = off + 12;
          m.tsSec = m.tsNsec = 0;
        }
        m.fileOffset = off;
        m.packetNo = ++no;
        m.buf = data;
        onFrame(m);
      }
    }
    off += len;
  }
}

/** Decode every frame of a corpus capture; `opts` go to the PacketDecoder. */
export function decodeFile(file: string, opts?: ConstructorParameters<typeof PacketDecoder>[1]): DecodedFile {
  const anomalies = new AnomalyCounter();
  const decoder = new PacketDecoder(anomalies, opts);
  const packets: DecodedPacket[] = [];
  const counts = { ip: 0, nonIp: 0, anomaly: 0, fragment: 0 };
  walkCapture(readFileSync(file), (m) => {
    const s = decoder.decode(m, path.basename(file));
    if (s === DecodeStatus.Ip) counts.ip++;
    else if (s === DecodeStatus.NonIp) counts.nonIp++;
    else if (s === DecodeStatus.Anomaly) counts.anomaly++;
    else counts.fragment++;
    packets.push(snapshot(m, s));
  });
  return { packets, counts, anomalies };
}

/** Build a frame from hex pieces (whitespace and `|` separators ignored), for annotated tests. */
export function hex(...parts: string[]): Buffer {
  return Buffer.from(parts.join('').replace(/[\s|]/g, ''), 'hex');
}

/** A PacketMeta as the reader would fill it for one frame held in `frame`. */
export function frameMeta(frame: Buffer, linktype: number, wirelen = frame.length, tsSec = 1): PacketMeta {
  const m = new PacketMeta();
  m.buf = frame;
  m.frameOff = 0;
  m.caplen = frame.length;
  m.wirelen = wirelen;
  m.linktype = linktype;
  m.tsSec = tsSec;
  m.packetNo = 1;
  return m;
}
