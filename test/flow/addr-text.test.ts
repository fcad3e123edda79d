/** addrText (flow/addr-text.ts) writes the same text as core/ip.ts ipToString, for any address. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addrText } from '../../src/flow/addr-text.js';
import { ipToString, parseIp } from '../../src/core/ip.js';

describe('addrText', () => {
  it('matches ipToString on edge addresses', () => {
    const texts = [
      '0.0.0.0', '255.255.255.255', '10.0.0.1', '192.168.100.9', '::', '::1', '1::', '2001:db8::1',
      '2001:db8:0:0:1:0:0:1', '2001:0:0:1:0:0:0:1', 'fe80::1:2:3:4', '1:2:3:4:5:6:7:8', '1:0:2:0:3:0:4:0',
      '::ffff:192.0.2.1', '::ffff:0:1', '0:0:0:0:0:fffe:c000:201', 'ff02::fb', 'abcd:ef01:2345:6789:abcd:ef01:2345:6789',
    ];
    for (const t of texts) {
      const b = parseIp(t)!;
      expect(b, t).not.toBeNull();
      expect(addrText(b, 0, b.length), t).toBe(ipToString(b, 0, b.length));
    }
  });

  it('matches ipToString on random addresses, at any offset', () => {
    // Zero groups are frequent on purpose: the '::' choice is the tricky part.
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }), fc.constant(0xffff));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 5 }), fc.boolean(), (g, pad, v4) => {
        const buf = new Uint8Array(pad + 16);
        for (let i = 0; i < 8; i++) {
          buf[pad + 2 * i] = g[i] >> 8;
          buf[pad + 2 * i + 1] = g[i] & 0xff;
        }
        const len = v4 ? 4 : 16;
        expect(addrText(buf, pad, len)).toBe(ipToString(buf, pad, len));
      }),
      { numRuns: 2000 },
    );
  });
});
