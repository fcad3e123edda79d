/**
 * SSH (RFC 4253): the version banner `SSH-protoversion-softwareversion` in each direction,
 * then binary packets `uint32 packet_length, byte padding_length, byte msg_code, ...`.
 * The walker skips packets without buffering them and stops at SSH_MSG_NEWKEYS (21), after
 * which everything is encrypted. Zeek confirms its SSH analyzer on NEWKEYS; so do we.
 */

/** SSH_MSG_NEWKEYS (RFC 4253 7.3). */
const MSG_NEWKEYS = 21;
/** RFC 4253 6.1: implementations "SHOULD" support packets up to 35000 bytes; we allow 256 KiB. */
export const MAX_SSH_PACKET = 262144;
/** Longest banner line we wait for (RFC 4253 4.2: "MUST be 255 characters or less"). */
const MAX_BANNER = 255;

export class SshWalker {
  private bannerDone = false;
  private bannerLen = 0;
  private hdr = Buffer.alloc(6);
  private hdrHave = 0;
  private skip = 0;
  newKeys = false;
  violation = false;
  done = false;

  /** Feed in-order stream bytes of this direction. */
  data(b: Buffer, off: number, len: number): void {
    const end = off + len;
    let p = off;
    while (p < end && !this.done) {
      if (!this.bannerDone) {
        // RFC 4253 4.2 lets a server send other lines before its banner: tolerate a few.
        const nl = b.indexOf(0x0a, p);
        if (nl < 0 || nl >= end) {
          this.bannerLen += end - p;
          if (this.bannerLen > 8 * MAX_BANNER) {
            this.violation = true;
            this.done = true;
          }
          return;
        }
        const lineStart = p;
        this.bannerLen += nl + 1 - p;
        p = nl + 1;
        if (nl - lineStart >= 4 && b[lineStart] === 0x53 && b[lineStart + 1] === 0x53 && b[lineStart + 2] === 0x48 && b[lineStart + 3] === 0x2d) {
          this.bannerDone = true;
        } else if (this.bannerLen > 8 * MAX_BANNER) {
          this.violation = true;
          this.done = true;
          return;
        }
        continue;
      }
      if (this.skip > 0) {
        const take = Math.min(this.skip, end - p);
        this.skip -= take;
        p += take;
        continue;
      }
      const take = Math.min(6 - this.hdrHave, end - p);
      b.copy(this.hdr, this.hdrHave, p, p + take);
      this.hdrHave += take;
      p += take;
      if (this.hdrHave < 6) return;
      this.hdrHave = 0;
      const plen = this.hdr.readUInt32BE(0);
      if (plen < 5 || plen > MAX_SSH_PACKET) {
        this.violation = true;
        this.done = true;
        return;
      }
      if (this.hdr[5] === MSG_NEWKEYS) {
        this.newKeys = true;
        this.done = true;
        return;
      }
      this.skip = plen - 2;
    }
  }
}
