/**
 * Fidelity against Zeek: every corpus trace that has a conn.log baseline (written by Zeek
 * 9.1.0-dev, see ../shared/corpus/SOURCES.md) is run through the real reader, decoder and
 * flow table, and compared row by row on the 5-tuple.
 *
 * Any inherent difference must be listed in KNOWN_DIFFERENCES with its reason; nothing else
 * may differ.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnRecord } from '../../src/core/records.js';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { createAppAnalyzerFactory } from '../../src/app/index.js';
import { flowsFromFiles, readBaseline, type BaselineRow } from './helpers.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(HERE, '../../../shared/corpus');

interface Trace {
  dir: string;
  pcaps: string[];
  baseline: string;
}

const TRACES: Trace[] = [
  { dir: 'zeek-traces/wikipedia-tcp-udp-dns-http', pcaps: ['wikipedia.pcap'], baseline: 'conn.log' },
  { dir: 'zeek-traces/http-get', pcaps: ['get.pcap'], baseline: 'conn.log' },
  { dir: 'zeek-traces/vlan-mpls-http', pcaps: ['mixed-vlan-mpls.pcap'], baseline: 'conn.log' },
  { dir: 'zeek-traces/qinq-vlan-logging', pcaps: ['q-in-q.pcap'], baseline: 'conn.log' },
  { dir: 'zeek-traces/ipv6-ftp', pcaps: ['ipv6.pcap'], baseline: 'conn.log' },
  { dir: 'zeek-traces/pppoe-ipv6-icmpv6', pcaps: ['pppoe.pcap'], baseline: 'conn.log' },
  { dir: 'zeek-traces/gre-tunnel-icmp-dns-ssh', pcaps: ['gre-sample.pcap'], baseline: 'conn.log' },
  { dir: 'zeek-traces/tls-443-pppoe-qinq', pcaps: ['pppoe-over-qinq.pcap'], baseline: 'conn.log' },
  { dir: 'zeek-traces/pcapng-multi-interface', pcaps: ['pcapng-multi-interface.pcapng'], baseline: 'conn.log' },
  { dir: 'zeek-traces/truncated-snaplen-retransmits', pcaps: ['retransmit-fast009.pcap'], baseline: 'conn-1.log' },
  { dir: 'linktypes/sll-linux-cooked-irc-starttls', pcaps: ['irc-starttls.pcap'], baseline: 'conn.log' },
  { dir: 'linktypes/null-loopback-pop3-starttls', pcaps: ['pop3-starttls.pcap'], baseline: 'conn.log' },
  { dir: 'linktypes/ppp-quic-udp', pcaps: ['quic-interop-retry.pcap'], baseline: 'conn.log' },
  { dir: 'linktypes/raw-ipv4-tcp-syslog', pcaps: ['tcp-syslog.pcap'], baseline: 'conn.log' },
  { dir: 'linktypes/nanosecond-vntag', pcaps: ['vntag.pcap'], baseline: 'conn.log' },
  { dir: 'linktypes/nanosecond-http-to-ssh-server', pcaps: ['get-to-ssh-server.pcap'], baseline: 'conn.log' },
  { dir: 'c2/zeek-merlin-c2-quic', pcaps: ['merlinc2_Zeek_example.pcapng'], baseline: 'conn.log.cut' },
];

/** Fields compared (where the baseline has the column). `service` needs the app layer. */
const FIELDS = [
  'proto',
  'orig_pkts',
  'resp_pkts',
  'orig_ip_bytes',
  'resp_ip_bytes',
  'orig_bytes',
  'resp_bytes',
  'conn_state',
  'history',
  'duration',
  'missed_bytes',
  'tunnel_parents_present',
  'vlan',
  'inner_vlan',
  'ip_proto',
  'service',
];

/**
 * Named, justified differences: `trace dir` -> `row key` -> field -> reason.
 * Empty means every compared field of every row equals Zeek's.
 */
const NO_FTP_DATA =
  "Zeek's FTP analyzer tags the data connections it expects from PORT/EPSV/PASV replies (Analyzer::schedule_analyzer); our app layer does not track expected connections";
const NO_NTP = 'our app layer has no NTP analyzer (Zeek test loaded base/protocols/ntp)';
const KNOWN_DIFFERENCES: Record<string, Record<string, Record<string, string>>> = {
  'zeek-traces/ipv6-ftp': {
    'tcp 2001:470:1f11:81f:c999:d94:aa7c:2e3e 49186 2001:470:4867:99::21 57086': { service: NO_FTP_DATA },
    'tcp 2001:470:1f11:81f:c999:d94:aa7c:2e3e 49187 2001:470:4867:99::21 57087': { service: NO_FTP_DATA },
    'tcp 2001:470:1f11:81f:c999:d94:aa7c:2e3e 49188 2001:470:4867:99::21 57088': { service: NO_FTP_DATA },
    'tcp 2001:470:4867:99::21 55785 2001:470:1f11:81f:c999:d94:aa7c:2e3e 49189': { service: NO_FTP_DATA },
    'tcp 2001:470:4867:99::21 55647 2001:470:1f11:81f:c999:d94:aa7c:2e3e 49190': { service: NO_FTP_DATA },
  },
  'zeek-traces/gre-tunnel-icmp-dns-ssh': {
    'udp 66.59.111.190 123 18.26.4.105 123': { service: NO_NTP },
    'udp 66.59.111.190 123 66.59.111.182 123': { service: NO_NTP },
    'udp 66.59.111.190 123 129.170.17.4 123': { service: NO_NTP },
  },
  'linktypes/ppp-quic-udp': {
    'udp 193.167.0.100 42834 193.167.100.100 443': {
      service:
        "the baseline ran 'zeek -b' with only base/protocols/conn loaded, so no QUIC/SSL analyzer could set service; we always run the full app layer and report quic,ssl",
    },
  },
  'linktypes/raw-ipv4-tcp-syslog': {
    '': { service: 'our app layer has no syslog analyzer (Zeek test loaded base/protocols/syslog: syslog_tcp)' },
  },
};

function fmt(v: number | null | undefined): string {
  return v === null || v === undefined ? '-' : String(v);
}

/** Our record as Zeek would print the compared fields. */
function ours(c: ConnRecord): BaselineRow {
  return {
    proto: c.proto,
    orig_pkts: fmt(c.origPkts),
    resp_pkts: fmt(c.respPkts),
    orig_ip_bytes: fmt(c.origIpBytes),
    resp_ip_bytes: fmt(c.respIpBytes),
    orig_bytes: fmt(c.origBytes),
    resp_bytes: fmt(c.respBytes),
    conn_state: c.connState ?? '-',
    history: c.history ?? '-',
    duration: c.duration === null ? '-' : c.duration.toFixed(6),
    missed_bytes: String(c.missedBytes),
    tunnel_parents_present: c.tunnelParents.length > 0 ? 'T' : 'F',
    vlan: fmt(c.vlan),
    inner_vlan: fmt(c.innerVlan),
    ip_proto: fmt(c.ipProto),
    service: c.service ?? '-',
  };
}

function keyOf(r: { [k: string]: string | undefined }): string {
  return [r['proto'], r['id.orig_h'], r['id.orig_p'], r['id.resp_h'], r['id.resp_p']].filter((x) => x !== undefined).join(' ');
}

const summary: { trace: string; matched: number; total: number; differing: string[]; named: string[] }[] = [];

describe.skipIf(!existsSync(CORPUS))(`conn.log fidelity against Zeek baselines (corpus at ${CORPUS})`, () => {
  for (const t of TRACES) {
    it(t.dir, () => {
      const dir = path.join(CORPUS, t.dir);
      const base = readBaseline(path.join(dir, t.baseline));
      const noop = () => {};
      const app = createAppAnalyzerFactory({ conn: noop, dns: noop, http: noop, ssl: noop }, new AnomalyCounter());
      const run = flowsFromFiles(
        t.pcaps.map((p) => path.join(dir, p)),
        app,
      );
      const cols = Object.keys(base[0]);
      const mine = new Map<string, BaselineRow>();
      const dup: string[] = [];
      for (const c of run.conns) {
        const row: BaselineRow = {
          ...ours(c),
          'id.orig_h': c.origH,
          'id.orig_p': String(c.origP),
          'id.resp_h': c.respH,
          'id.resp_p': String(c.respP),
        };
        // Key on the columns this baseline has.
        const k: BaselineRow = {};
        for (const f of ['proto', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p']) if (cols.includes(f)) k[f] = row[f];
        const key = keyOf(k);
        if (mine.has(key)) dup.push(`duplicate row ${key}`);
        mine.set(key, row);
      }
      const known = KNOWN_DIFFERENCES[t.dir] ?? {};
      const problems: string[] = [...dup];
      const differing: string[] = [];
      const named: string[] = [];
      let matched = 0;
      for (const b of base) {
        const k: BaselineRow = {};
        for (const f of ['proto', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p']) if (cols.includes(f)) k[f] = b[f];
        const key = keyOf(k);
        const m = mine.get(key);
        if (!m) {
          problems.push(`missing row ${key}`);
          continue;
        }
        mine.delete(key);
        let rowOk = true;
        for (const f of FIELDS) {
          let expected: string | undefined = b[f];
          if (f === 'tunnel_parents_present' && b['tunnel_parents'] !== undefined) {
            expected = b['tunnel_parents'] === '-' || b['tunnel_parents'] === '(empty)' ? 'F' : 'T';
          }
          if (expected === undefined) continue;
          if (m[f] !== expected) {
            const reason = known[key]?.[f];
            if (reason) {
              named.push(`${key || '(only row)'} ${f}: zeek ${expected} ours ${m[f]} (${reason})`);
              continue;
            }
            rowOk = false;
            differing.push(`${key} ${f}: zeek ${expected} ours ${m[f]}`);
          }
        }
        if (rowOk) matched++;
      }
      for (const k of mine.keys()) problems.push(`extra row ${k}`);
      summary.push({ trace: t.dir, matched, total: base.length, differing: [...problems, ...differing], named });
      expect([...problems, ...differing]).toEqual([]);
    });
  }

  afterAll(() => {
    let m = 0;
    let n = 0;
    const lines = ['conn.log fidelity (rows matched / rows total, fields differing):'];
    for (const s of summary) {
      m += s.matched;
      n += s.total;
      lines.push(`  ${s.trace}: ${s.matched}/${s.total}${s.differing.length ? '  ' + s.differing.join('; ') : ''}`);
    }
    const named = summary.flatMap((s) => s.named.map((x) => `${s.trace}: ${x}`));
    lines.push(`  total: ${m}/${n} rows equal on every compared field (${FIELDS.join(', ')}),`);
    lines.push(`  apart from ${named.length} named differences:`);
    for (const x of named) lines.push(`    ${x}`);
    console.log(lines.join('\n'));
  });
});

/**
 * Traces whose Zeek baseline is event output rather than conn.log: the connection ids Zeek
 * printed must be exactly the connections we build.
 */
describe.skipIf(!existsSync(CORPUS))(`connection ids printed by Zeek (corpus at ${CORPUS})`, () => {
  function idsFrom(file: string): Set<string> {
    const out = new Set<string>();
    const re = /\[orig_h=([^,]+), orig_p=(\d+)\/(\w+), resp_h=([^,]+), resp_p=(\d+)\/\w+, proto=(\d+)/g;
    for (const m of readFileSync(file, 'utf8').matchAll(re)) out.add(`${m[3]} ${m[1]} ${m[2]} ${m[4]} ${m[5]} ${m[6]}`);
    return out;
  }

  it('zeek-traces/icmp-5-pings: one echo connection, 5 requests and 5 replies', () => {
    const dir = path.join(CORPUS, 'zeek-traces/icmp-5-pings');
    const run = flowsFromFiles([path.join(dir, '5-pings.pcap')]);
    const ours = new Set(run.conns.map((c) => `${c.proto} ${c.origH} ${c.origP} ${c.respH} ${c.respP} ${c.ipProto}`));
    expect(ours).toEqual(idsFrom(path.join(dir, 'connection_status_update.out')));
    expect([run.conns[0].origPkts, run.conns[0].respPkts, run.conns[0].connState]).toEqual([5, 5, 'OTH']);
  });

  it('linktypes/sll2-linux-cooked-v2-icmp-arp: pings to self (IPv4 and IPv6), request and reply in one connection each', () => {
    const dir = path.join(CORPUS, 'linktypes/sll2-linux-cooked-v2-icmp-arp');
    const run = flowsFromFiles([path.join(dir, 'linux_dlt_sll2.pcap')]);
    const ours = new Set(run.conns.map((c) => `${c.proto} ${c.origH} ${c.origP} ${c.respH} ${c.respP} ${c.ipProto}`));
    expect(ours).toEqual(idsFrom(path.join(dir, 'icmp-arp-events.stdout')));
    for (const c of run.conns) expect([c.origPkts, c.respPkts]).toEqual([1, 1]);
  });
});

/** Connection counts SOURCES.md documents for the C2 captures. */
describe.skipIf(!existsSync(CORPUS))(`documented connection counts (corpus at ${CORPUS})`, () => {
  const count = (conns: ConnRecord[], respH: string, respP: number, origH?: string) =>
    conns.filter((c) => c.proto === 'tcp' && c.respH === respH && c.respP === respP && (origH === undefined || c.origH === origH)).length;

  it('c2/slips-beacon-https-periodic-2s: 297 connections to 141.193.213.21:443 and 2 to .20', () => {
    const run = flowsFromFiles([path.join(CORPUS, 'c2/slips-beacon-https-periodic-2s/test-cc-capture-1.pcap')]);
    expect(count(run.conns, '141.193.213.21', 443)).toBe(297);
    expect(count(run.conns, '141.193.213.20', 443)).toBe(2);
  });

  it('c2/slips-beacon-https-semiperiodic-2to3s: 22 connections 147.32.80.37 -> 141.193.213.20:443', () => {
    const run = flowsFromFiles([path.join(CORPUS, 'c2/slips-beacon-https-semiperiodic-2to3s/test-cc-capture-2.pcap')]);
    expect(count(run.conns, '141.193.213.20', 443, '147.32.80.37')).toBe(22);
  });

  it('c2/slips-ssh-bruteforce-port902: 67 connections 147.32.80.40 -> 147.32.80.37:902', () => {
    const run = flowsFromFiles([path.join(CORPUS, 'c2/slips-ssh-bruteforce-port902/malicious-ssh-bruteforce.pcap')]);
    expect(count(run.conns, '147.32.80.37', 902, '147.32.80.40')).toBe(67);
  });
});

/**
 * Every dns/http/ssl baseline row names its connection by Zeek's id (orig first): each must
 * be one of our connections, in the same orientation. This checks the originator choice on
 * traces that have no conn.log baseline.
 */
describe.skipIf(!existsSync(CORPUS))(`connection ids of Zeek's dns/http/ssl baselines (corpus at ${CORPUS})`, () => {
  const CASES: [string, string[]][] = [
    ['zeek-traces/wikipedia-tcp-udp-dns-http', ['dns.log', 'http.log']],
    ['zeek-traces/http-get', ['http.log']],
    ['zeek-traces/http-post-100-continue', ['http.log']],
    ['zeek-traces/http-nonprintable-tsv-and-json', ['http.log.tsv']],
    ['zeek-traces/vlan-mpls-http', ['http.log']],
    ['zeek-traces/ipv6-fragmented-dns', ['dns.log']],
    ['zeek-traces/gre-tunnel-icmp-dns-ssh', ['dns.log']],
    ['zeek-traces/tls-443-https-gstatic', ['ssl.log']],
    ['linktypes/sll-linux-cooked-irc-starttls', ['ssl.log']],
    ['linktypes/null-loopback-pop3-starttls', ['ssl.log']],
    ['linktypes/nflog-http', ['http.log']],
    ['linktypes/nanosecond-http-to-ssh-server', ['http.log']],
    ['c2/zeek-merlin-c2-quic', ['ssl.log']],
  ];
  for (const [dir, logs] of CASES) {
    it(dir, async () => {
      const { readdirSync } = await import('node:fs');
      const full = path.join(CORPUS, dir);
      const pcaps = readdirSync(full).filter((f) => /\.(pcap|pcapng)$/.test(f)).map((f) => path.join(full, f));
      const run = flowsFromFiles(pcaps);
      const ids = new Set(run.conns.map((c) => `${c.origH} ${c.origP} ${c.respH} ${c.respP}`));
      const idsNoOrigPort = new Set(run.conns.map((c) => `${c.origH} ${c.respH} ${c.respP}`));
      let checked = 0;
      for (const log of logs) {
        for (const row of readBaseline(path.join(full, log))) {
          if (row['id.orig_p'] !== undefined) {
            expect(ids, `${log}: ${row['id.orig_h']}:${row['id.orig_p']} -> ${row['id.resp_h']}:${row['id.resp_p']}`).toContain(
              `${row['id.orig_h']} ${row['id.orig_p']} ${row['id.resp_h']} ${row['id.resp_p']}`,
            );
          } else {
            expect(idsNoOrigPort).toContain(`${row['id.orig_h']} ${row['id.resp_h']} ${row['id.resp_p']}`);
          }
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
});
