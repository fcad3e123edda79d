/**
 * The floor every capture benchmark measures against: a bare Node loop that only walks the
 * pcap record headers of a file. Shared by reader-throughput.mjs and flows-throughput.mjs.
 */
import { open } from 'node:fs/promises';

/** Read size of the walk: the reader's own (4 MiB). */
export const CHUNK = 4 << 20;

/**
 * The floor: walk the 16-byte record headers (caplen at +8) over 4 MiB reads, one read
 * ahead into a second buffer (as the reader does), carrying a header split by a read
 * boundary in a 16-byte buffer.
 */
export async function walkHeaders(file) {
  const fh = await open(file, 'r');
  const bufs = [Buffer.allocUnsafeSlow(CHUNK), Buffer.allocUnsafeSlow(CHUNK)];
  const hdr = Buffer.alloc(16);
  let have = 0; // bytes of a split record header already in `hdr`
  let skip = 24; // bytes to skip before the next record header (starts with the file header)
  let packets = 0;
  let bytes = 0;
  let turn = 0;
  let pending = fh.read(bufs[0], 0, CHUNK, null);
  for (;;) {
    const { bytesRead: n, buffer: chunk } = await pending;
    if (n === 0) break;
    turn ^= 1;
    pending = fh.read(bufs[turn], 0, CHUNK, null);
    bytes += n;
    let p = 0;
    for (;;) {
      if (skip > 0) {
        const k = Math.min(skip, n - p);
        p += k;
        skip -= k;
        if (skip > 0) break;
      }
      if (have > 0 || n - p < 16) {
        const k = Math.min(16 - have, n - p);
        chunk.copy(hdr, have, p, p + k);
        have += k;
        p += k;
        if (have < 16) break;
        have = 0;
        skip = hdr.readUInt32LE(8);
        packets++;
        continue;
      }
      skip = chunk.readUInt32LE(p + 8);
      p += 16;
      packets++;
    }
  }
  await fh.close();
  return { packets, bytes };
}
