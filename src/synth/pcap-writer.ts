/**
 * Writes classic pcap files (LE, microsecond or nanosecond magic) for the project's own
 * generators (samples/, bench/, test scenarios). Streaming: records go out in batches.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

export const LINKTYPE_ETHERNET = 1;

/** The 24-byte pcap global header. */
export function pcapGlobalHeader(linktype = LINKTYPE_ETHERNET, snaplen = 65535, nanosecond = false): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeInt32LE(0, 8);
  h.writeUInt32LE(0, 12);
  h.writeUInt32LE(snaplen, 16);
  h.writeUInt32LE(linktype, 20);
  return h;
}

/** The 16-byte record header for a frame at `ts` (float seconds). */
export function pcapRecordHeader(ts: number, caplen: number, wirelen: number, nanosecond = false): Buffer {
  const h = Buffer.alloc(16);
  let sec = Math.floor(ts);
  let frac = Math.round((ts - sec) * (nanosecond ? 1e9 : 1e6));
  if (frac >= (nanosecond ? 1e9 : 1e6)) {
    sec += 1;
    frac = 0;
  }
  h.writeUInt32LE(sec, 0);
  h.writeUInt32LE(frac, 4);
  h.writeUInt32LE(caplen, 8);
  h.writeUInt32LE(wirelen, 12);
  return h;
}

/** In-memory pcap assembly, for small files and tests. */
export class PcapBuffer {
  private parts: Buffer[] = [];
  constructor(linktype = LINKTYPE_ETHERNET, private readonly nanosecond = false, snaplen = 65535) {
    this.parts.push(pcapGlobalHeader(linktype, snaplen, nanosecond));
  }
  add(ts: number, frame: Buffer, wirelen = frame.length): void {
    this.parts.push(pcapRecordHeader(ts, frame.length, wirelen, this.nanosecond), frame);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Streaming pcap file writer with batching and backpressure. */
export class PcapFileWriter {
  private readonly out: WriteStream;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  bytesWritten = 24;
  packets = 0;

  constructor(path: string, linktype = LINKTYPE_ETHERNET, private readonly nanosecond = false) {
    this.out = createWriteStream(path, { highWaterMark: 4 << 20 });
    this.out.write(pcapGlobalHeader(linktype, 65535, nanosecond));
  }

  /** Adds a frame; await the returned promise only when it is not undefined (backpressure). */
  add(ts: number, frame: Buffer, wirelen = frame.length): Promise<void> | undefined {
    const h = pcapRecordHeader(ts, frame.length, wirelen, this.nanosecond);
    this.batch.push(h, frame);
    this.batchBytes += 16 + frame.length;
    this.bytesWritten += 16 + frame.length;
    this.packets++;
    if (this.batchBytes >= 1 << 20) return this.flushBatch();
    return undefined;
  }

  private flushBatch(): Promise<void> | undefined {
    if (this.batch.length === 0) return undefined;
    const ok = this.out.write(Buffer.concat(this.batch, this.batchBytes));
    this.batch = [];
    this.batchBytes = 0;
    if (ok) return undefined;
    return new Promise((resolve) => this.out.once('drain', resolve));
  }

  async close(): Promise<void> {
    await this.flushBatch();
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}
