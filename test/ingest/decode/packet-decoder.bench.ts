/**
 * Micro-benchmark of PacketDecoder.decode on hand-built frames of the common shapes
 * (run: npx vitest bench test/ingest/decode). Each case consumes its result, so that the
 * engine cannot drop the work.
 */
import { bench, describe } from 'vitest';
import { AnomalyCounter } from '../../../src/core/anomaly.js';
import { PacketMeta } from '../../../src/core/packet.js';
import { PacketDecoder } from '../../../src/ingest/decode/packet-decoder.js';
import { eth, ipv4, ipv6, tag, tcp, udp } from './frames.js';

const decoder = new PacketDecoder(new AnomalyCounter());
const meta = new PacketMeta();
let sink = 0;

function frameBench(name: string, frame: Buffer, linktype = 1): void {
  bench(name, () => {
    for (let i = 0; i < 1000; i++) {
      meta.buf = frame;
      meta.frameOff = 0;
      meta.caplen = frame.length;
      meta.wirelen = frame.length;
      meta.linktype = linktype;
      sink += decoder.decode(meta, 'bench') + meta.dstPort + meta.payloadLen;
    }
    if (sink < 0) throw new Error('unreachable');
  });
}

describe('decode x1000', () => {
  frameBench('Ethernet IPv4 TCP', eth(0x0800, ipv4({ proto: 6 }, tcp({ options: Buffer.from('0101080a0000000100000002', 'hex') }, Buffer.alloc(1400)))));
  frameBench('Ethernet 802.1Q IPv4 UDP', eth(0x8100, Buffer.concat([tag(10, 0x0800), ipv4({ proto: 17 }, udp(5353, 53, Buffer.alloc(60)))])));
  frameBench('Ethernet IPv6 TCP', eth(0x86dd, ipv6({ nh: 6 }, tcp({}, Buffer.alloc(500)))));
});
