/**
 * Lookahead hints (the container and its consumer): the flow fields of the next few frames of
 * a read chunk, filled by the capture reader's peek (ingest/decode/packet-hints.ts) and read by
 * the flow table's `prefetch`. In core because both stages use it (see that file for why).
 */
/** Most frames in one lookahead batch. */
export const HINT_BATCH = 32;

/**
 * The flow fields of up to HINT_BATCH frames of one buffer, as a struct of arrays (no object
 * per packet). Entry i describes the i-th frame that the peek understood, in input order.
 */
export class PacketHints {
  /** The buffer the offsets index into (a read chunk: valid during the reader's push). */
  buf: Buffer = Buffer.alloc(0);
  /** Entries filled. */
  n = 0;
  readonly srcOff = new Int32Array(HINT_BATCH);
  readonly dstOff = new Int32Array(HINT_BATCH);
  /** 4 or 16. */
  readonly addrLen = new Uint8Array(HINT_BATCH);
  /** IP protocol number (6 or 17). */
  readonly proto = new Uint8Array(HINT_BATCH);
  readonly srcPort = new Uint16Array(HINT_BATCH);
  readonly dstPort = new Uint16Array(HINT_BATCH);
}

/** Consumer of lookahead hints (FlowTable.prefetch). */
export interface PacketPrefetcher {
  /** Touches the state the hinted packets will need; must not change anything observable. */
  prefetch(hints: PacketHints): void;
}
