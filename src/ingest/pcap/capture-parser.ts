/**
 * Picks the container parser from the first 4 bytes of the (decompressed) input, then
 * forwards every chunk to it. Same push/end contract as the parsers themselves.
 */
import { ErrorCodes, KonsekiError } from '../../core/errors.js';
import { describeFormat, sniffFormat, SNIFF_BYTES } from '../sniff.js';
import { ClassicPcapParser } from './classic.js';
import type { FrameParser, FrameParserContext } from './frame-parser.js';
import { PcapngParser } from './pcapng.js';

export type CaptureFormat = 'pcap' | 'pcapng' | 'unknown';

export class CaptureParser {
  format: CaptureFormat = 'unknown';
  /** The parser chosen from the magic, once 4 bytes arrived. */
  inner: FrameParser | undefined;
  private head: Buffer[] = [];
  private headLen = 0;
  private ownError: KonsekiError | undefined;
  private received = 0;

  constructor(private readonly ctx: FrameParserContext) {}

  get error(): KonsekiError | undefined {
    return this.ownError ?? this.inner?.error;
  }

  get truncated(): boolean {
    return this.inner?.truncated ?? false;
  }

  /** True once the parser stopped on an error (further input is ignored). */
  get stopped(): boolean {
    return this.error !== undefined;
  }

  get frames(): number {
    return this.inner?.frames ?? 0;
  }

  get bytesReceived(): number {
    return this.inner ? this.inner.bytesReceived : this.received;
  }

  get frameHasTs(): boolean {
    return this.inner?.frameHasTs ?? true;
  }

  push(chunk: Buffer): void {
    if (this.inner) {
      this.inner.push(chunk);
      return;
    }
    if (this.ownError) return;
    this.received += chunk.length;
    this.head.push(chunk);
    this.headLen += chunk.length;
    if (this.headLen >= SNIFF_BYTES) this.choose();
  }

  end(): void {
    if (this.inner) {
      this.inner.end();
      return;
    }
    if (this.ownError) return;
    if (this.headLen === 0) {
      this.ownError = new KonsekiError(ErrorCodes.NOT_A_CAPTURE, 'Not a capture: the input is empty', {
        file: this.ctx.name,
        offset: 0,
      });
      return;
    }
    this.choose()?.end();
  }

  /** Creates the parser for the sniffed format and gives it the bytes so far. */
  private choose(): FrameParser | undefined {
    const all = this.head.length === 1 ? this.head[0] : Buffer.concat(this.head, this.headLen);
    this.head = [];
    const f = sniffFormat(all.subarray(0, SNIFF_BYTES));
    if (f === 'pcap' || f === 'pcapng') {
      this.format = f;
      this.inner = f === 'pcap' ? new ClassicPcapParser(this.ctx) : new PcapngParser(this.ctx);
      this.inner.push(all);
      return this.inner;
    }
    const first = [...all.subarray(0, Math.min(8, all.length))].map((x) => x.toString(16).padStart(2, '0')).join(' ');
    let hint = '';
    if (f === 'zeek-tsv' || f === 'zeek-json') hint = `; it looks like ${describeFormat(f)}`;
    else if (f === 'gzip') hint = '; it is gzip data inside gzip data';
    this.ownError = new KonsekiError(
      ErrorCodes.NOT_A_CAPTURE,
      `Not a packet capture (pcap or pcapng): first bytes are ${first}${hint}`,
      { file: this.ctx.name, offset: 0 },
    );
    return undefined;
  }
}
