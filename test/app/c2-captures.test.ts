/**
 * The real C2 captures of ../shared/corpus/c2/ must come out with the HTTP requests, hosts and
 * SNI their SOURCES.md describes, and with the service / port-mismatch / entropy evidence the
 * detectors build on.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appRecordsFromFiles, CORPUS } from './helpers.js';

describe.skipIf(!existsSync(CORPUS))('C2 captures (corpus at ../shared/corpus)', () => {
  it('CryptoWall 4: three HTTP POST check-ins to homealldaylong.com, one per connection, one big answer', () => {
    const { sink } = appRecordsFromFiles(['c2/ppa-cryptowall4-http-c2/cryptowall4_c2.pcapng']);
    const h = sink.httpRecs.sort((a, b) => a.ts - b.ts);
    expect(h.length).toBe(3);
    for (const r of h) {
      expect(r).toMatchObject({ method: 'POST', host: 'homealldaylong.com', respH: '184.170.149.44', respP: 80, statusCode: 200, transDepth: 1 });
      expect(r.uri!.startsWith('/76N1Lm.php?')).toBe(true);
      expect(r.requestBodyLen).toBeGreaterThan(100);
    }
    expect(new Set(h.map((r) => r.uid)).size).toBe(3);
    // Second check-in: about 129 KB on the wire, 123652 bytes of de-chunked body.
    expect(h[1].responseBodyLen).toBe(123652);
    expect(h[0].responseBodyLen).toBeLessThan(2000);
    expect(h[2].responseBodyLen).toBeLessThan(2000);
    expect(sink.conns.every((c) => c.service === 'http' && c.portMismatch === null)).toBe(true);
  });

  it('Slips periodic HTTPS beacon: every connection is TLS 1.3 with SNI testing.com', () => {
    const { sink } = appRecordsFromFiles(['c2/slips-beacon-https-periodic-2s/test-cc-capture-1.pcap']);
    expect(sink.sslRecs.length).toBe(299);
    expect(sink.sslRecs.every((s) => s.serverName === 'testing.com' && s.version === 'TLSv13' && s.established)).toBe(true);
    expect(sink.sslRecs.filter((s) => s.respH === '141.193.213.21').length).toBe(297);
    expect(sink.sslRecs.filter((s) => s.respH === '141.193.213.20').length).toBe(2);
    expect(new Set(sink.sslRecs.map((s) => s.ja4)).size).toBe(1); // one client, one fingerprint
  });

  it('Slips semi-periodic beacon: 22 TLS connections to testing.com, and the DNS kept by the filter', () => {
    const { sink } = appRecordsFromFiles(['c2/slips-beacon-https-semiperiodic-2to3s/test-cc-capture-2.pcap']);
    expect(sink.sslRecs.length).toBe(22);
    expect(sink.sslRecs.every((s) => s.serverName === 'testing.com' && s.respH === '141.193.213.20')).toBe(true);
    expect(sink.dnsRecs.length).toBeGreaterThan(0);
    expect(sink.dnsRecs.every((d) => d.respH === '147.32.80.9' || d.origH === '147.32.80.9' || d.respP === 53)).toBe(true);
  });

  it('Merlin over QUIC: quic,ssl with the TLS 1.3 handshake read from the Initial packets', () => {
    const { sink } = appRecordsFromFiles(['c2/zeek-merlin-c2-quic/merlinc2_Zeek_example.pcapng']);
    const c = sink.conns.find((x) => x.respP === 443 && x.proto === 'udp')!;
    expect(c.service).toBe('quic,ssl');
    expect(c.portMismatch).toBeNull();
    expect(sink.sslRecs.length).toBe(1);
    expect(sink.sslRecs[0]).toMatchObject({ version: 'TLSv13', cipher: 'TLS_AES_128_GCM_SHA256', curve: 'x25519', alpn: ['h3'] });
    expect(sink.sslRecs[0].ja4!.startsWith('q13i')).toBe(true);
  });

  it('SSH brute force on port 902: confirmed SSH sessions are flagged as a port mismatch', () => {
    const { sink } = appRecordsFromFiles(['c2/slips-ssh-bruteforce-port902/malicious-ssh-bruteforce.pcap']);
    const ssh = sink.conns.filter((c) => c.service === 'ssh');
    expect(sink.conns.length).toBe(67);
    // 47 sessions reach NEWKEYS; the others are closed before the key exchange ends.
    expect(ssh.length).toBe(47);
    expect(ssh.every((c) => c.respP === 902 && c.portMismatch === 'ssh')).toBe(true);
  });

  it('Hide and Seek: the operator SSH sessions are ssh, the telnet/8080 scan probes carry no service', () => {
    const { sink } = appRecordsFromFiles(['c2/slips-hide-and-seek-iot-botnet/test7-malicious.pcap']);
    expect(sink.conns.filter((c) => c.respP === 22 && c.service === 'ssh').length).toBe(2);
    expect(sink.conns.filter((c) => [23, 2323, 8080, 9527].includes(c.respP) && c.service !== null).length).toBe(0);
  });

  it('Aurora: the exploit page over HTTP, then a clear-text shell on 4321 with no protocol', () => {
    const { sink } = appRecordsFromFiles(['c2/ppa-aurora-metasploit-reverse-shell-4321/aurora.pcapng']);
    expect(sink.httpRecs.length).toBe(3);
    expect(sink.httpRecs.every((h) => h.method === 'GET' && h.host === '192.168.100.202' && h.uri!.startsWith('/info'))).toBe(true);
    const shell = sink.conns.find((c) => c.respP === 4321)!;
    expect(shell.service).toBeNull();
    expect(shell.origPayloadEntropy!).toBeLessThan(6); // "Microsoft Windows XP ..." in the clear
  });

  it('RAT on 4433: not TLS whatever the port suggests; clear-text control, high-entropy screenshot uploads', () => {
    const { sink } = appRecordsFromFiles(['c2/ppa-rat-c2-exfil-port4433/ratinfected.pcapng']);
    expect(sink.conns.length).toBe(8);
    expect(sink.conns.every((c) => c.service === null && c.respP === 4433)).toBe(true);
    expect(sink.sslRecs.length).toBe(0);
    const control = sink.conns.find((c) => c.origP === 6641)!;
    expect(control.origPayloadEntropy!).toBeLessThan(6);
    const uploads = sink.conns.filter((c) => (c.origBytes ?? 0) > 80000);
    expect(uploads.length).toBe(6);
    expect(uploads.every((c) => c.origPayloadEntropy! > 7.5)).toBe(true);
  });
});
