import { describe, expect, it } from 'vitest';
import { DecodeStatus } from '../../../src/core/packet.js';
import { HAVE_CORPUS, corpusPath, decodeFile } from './helpers.js';

describe.skipIf(!HAVE_CORPUS)('decoder on plain Ethernet captures (corpus missing: skipped)', () => {
  it('decodes the HTTP GET of zeek-traces/http-get (Ethernet, IPv4, TCP)', () => {
    const r = decodeFile(corpusPath('zeek-traces/http-get/get.pcap'));
    expect(r.counts).toEqual({ ip: 14, nonIp: 0, anomaly: 0, fragment: 0 });
    const syn = r.packets[0];
    // conn.log: 141.142.228.5:59856 -> 192.150.187.43:80
    expect(syn).toMatchObject({ src: '141.142.228.5', dst: '192.150.187.43', proto: 6, dstPort: 80, tcpFlags: 0x02, vlan: -1 });
    const get = r.packets.find((p) => p.payload.subarray(0, 4).toString() === 'GET ');
    expect(get?.payload.toString('latin1')).toContain('/download/CHANGES.bro-aux.txt');
    expect(r.packets.every((p) => p.status === DecodeStatus.Ip)).toBe(true);
  });
});
