/**
 * AppOptions.records: a consumer that writes only conn.log (`konseki flows` without `--logs`)
 * turns the app records off. The conn records and the anomaly counts must come out exactly as
 * with every record on, no dns/http/ssl record may reach the sink, and no DnsRecord may even be
 * built (counted at its one constructor, emptyDnsRecord).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { appRecordsFromFiles, CORPUS } from './helpers.js';

const built = vi.hoisted(() => ({ dns: 0 }));

vi.mock('../../src/core/records.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/core/records.js')>();
  return {
    ...m,
    emptyDnsRecord: (...a: Parameters<typeof m.emptyDnsRecord>) => {
      built.dns++;
      return m.emptyDnsRecord(...a);
    },
  };
});

/** Captures with DNS (UDP, TCP, multicast, NetBIOS, fragmented), HTTP, TLS, QUIC and STARTTLS. */
const CAPTURES = [
  'zeek-traces/wikipedia-tcp-udp-dns-http/wikipedia.pcap',
  'zeek-traces/ipv6-fragmented-dns/ipv6-fragmented-dns.pcap',
  'zeek-traces/gre-tunnel-icmp-dns-ssh/gre-sample.pcap',
  'zeek-traces/tls-443-https-gstatic/tls-conn-with-extensions.pcap',
  'zeek-traces/http-post-100-continue/100-continue.pcap',
  'linktypes/null-loopback-dns-tcpdump/dns-badcookie.pcap',
  'linktypes/null-loopback-pop3-starttls/pop3-starttls.pcap',
  'c2/slips-beacon-https-semiperiodic-2to3s/test-cc-capture-2.pcap',
  'c2/slips-hide-and-seek-iot-botnet/test7-malicious.pcap',
  'c2/zeek-merlin-c2-quic/merlinc2_Zeek_example.pcapng',
  'c2/ppa-cryptowall4-http-c2/cryptowall4_c2.pcapng',
];

describe.skipIf(!existsSync(CORPUS))('app records turned off (corpus at ../shared/corpus)', () => {
  for (const f of CAPTURES) {
    it(`${f}: same conn records and anomalies, no app record built or sunk`, () => {
      if (!existsSync(`${CORPUS}/${f}`)) throw new Error(`corpus file missing: ${f}`);
      built.dns = 0;
      const all = appRecordsFromFiles([f]);
      const dnsBuiltAll = built.dns;
      built.dns = 0;
      const none = appRecordsFromFiles([f], { records: { dns: false, http: false, ssl: false } });
      expect(built.dns).toBe(0);
      expect(none.sink.dnsRecs.length + none.sink.httpRecs.length + none.sink.sslRecs.length).toBe(0);
      // Something was there to skip: the full run built records.
      expect(all.sink.dnsRecs.length + all.sink.httpRecs.length + all.sink.sslRecs.length).toBeGreaterThan(0);
      expect(dnsBuiltAll).toBe(all.sink.dnsRecs.length);
      expect(none.sink.conns.map((c) => JSON.stringify(c))).toEqual(all.sink.conns.map((c) => JSON.stringify(c)));
      expect(none.anomalies.toJSON()).toEqual(all.anomalies.toJSON());
    });
  }

  it('each kind on its own: only the kinds turned off are missing', () => {
    const f = 'zeek-traces/wikipedia-tcp-udp-dns-http/wikipedia.pcap';
    const all = appRecordsFromFiles([f]);
    const noDns = appRecordsFromFiles([f], { records: { dns: false } });
    expect(all.sink.dnsRecs.length).toBeGreaterThan(0);
    expect(all.sink.httpRecs.length).toBeGreaterThan(0);
    expect(noDns.sink.dnsRecs.length).toBe(0);
    expect(noDns.sink.httpRecs.map((r) => JSON.stringify(r))).toEqual(all.sink.httpRecs.map((r) => JSON.stringify(r)));
    const noHttp = appRecordsFromFiles([f], { records: { http: false } });
    expect(noHttp.sink.httpRecs.length).toBe(0);
    expect(noHttp.sink.dnsRecs.map((r) => JSON.stringify(r))).toEqual(all.sink.dnsRecs.map((r) => JSON.stringify(r)));
  });
});
