/**
 * Test helpers for the packet decoders: the corpus location, decoding a corpus capture
 * into plain per-packet records, and hex helpers for hand-written frames.
 *
 * Corpus files are read with the project's capture reader (readCaptureBuffer).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnomalyCounter } from '../../../src/core/anomaly.js';
import { DecodeStatus, PacketMeta } from '../../../src/core/packet.js';
import { ipToString } from '../../../src/core/ip.js';
import { readCaptureBuffer, type CaptureStats } from '../../../src/ingest/capture-reader.js';
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
  stats: CaptureStats;
}

/**
 * Decode every frame of a corpus capture with the project's capture reader and a
 * PacketDecoder; `opts` go to the PacketDecoder. Each packet is copied out of the reused meta.
 */
export function decodeFile(
  file: string,
  opts?: ConstructorParameters<typeof PacketDecoder>[1],
  onPacket?: (m: PacketMeta, s: DecodeStatus, anomalies: AnomalyCounter) => void,
): DecodedFile {
  const anomalies = new AnomalyCounter();
  const decoder = new PacketDecoder(anomalies, opts);
  const packets: DecodedPacket[] = [];
  const counts = { ip: 0, nonIp: 0, anomaly: 0, fragment: 0 };
  const stats = readCaptureBuffer(readFileSync(file), path.basename(file), 0, (m, s) => {
    if (s === DecodeStatus.Ip) counts.ip++;
    else if (s === DecodeStatus.NonIp) counts.nonIp++;
    else if (s === DecodeStatus.Anomaly) counts.anomaly++;
    else counts.fragment++;
    packets.push(snapshot(m, s));
    onPacket?.(m, s, anomalies);
  }, { anomalies, decoder });
  return { packets, counts, anomalies, stats };
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

/** Decode one hand-written frame with a fresh decoder. */
export function decodeFrame(
  frame: Buffer,
  linktype: number,
  wirelen = frame.length,
): { status: DecodeStatus; p: DecodedPacket; anomalies: Record<string, number>; meta: PacketMeta } {
  const anomalies = new AnomalyCounter();
  const decoder = new PacketDecoder(anomalies);
  const meta = frameMeta(frame, linktype, wirelen);
  const status = decoder.decode(meta, 'test.pcap');
  return { status, p: snapshot(meta, status), anomalies: anomalies.toJSON(), meta };
}
