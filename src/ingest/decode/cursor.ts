import type { AnomalyCounter } from '../../core/anomaly.js';
import { EMPTY } from '../../core/packet.js';
import { Weird } from './weirds.js';

/**
 * The decoder's position in the current packet, shared by every layer function.
 * One instance per PacketDecoder, reused for every packet (no per-packet allocation).
 *
 * - `off`: start of the header the next layer function decodes.
 * - `end`: end of the captured bytes that belong to this layer (never past `buf.length`).
 * - `wireEnd`: end of this layer's bytes on the wire (>= `end` when the snaplen cut the
 *   frame). IP narrows both to its datagram: Ethernet padding and FCS fall outside.
 */
export class DecodeCursor {
  buf: Buffer = EMPTY;
  off = 0;
  end = 0;
  wireEnd = 0;
  /** Tunnel nesting depth (0 outside any tunnel). */
  depth = 0;
  /** Number of VLAN tags seen in this frame. */
  vlanTags = 0;
  /** Link layer that announced IPv4 (4) or IPv6 (6) explicitly, 0 when by version nibble. */
  expectVersion = 0;
  /** Tunnel type to record when the next IP header is an inner one (0: not in a tunnel). */
  pendingTunnel = 0;
  /** Outer IP protocol of the pending tunnel (47, 4, 41). */
  pendingOuterProto = 0;

  /** IPv6 fragment: offset of the fragment header, and of the next-header byte that names it. */
  fragHdrOff = 0;
  fragPrevNhOff = 0;

  fileName = '';
  fileOffset = 0;

  constructor(readonly anomalies: AnomalyCounter) {}

  /** Count a non-fatal anomaly for the current packet (decoding goes on). */
  note(code: Weird): void {
    this.anomalies.add(Weird[code], this.fileName, this.fileOffset);
  }
}
