/**
 * Findings carry attacker-controlled text (host names, URIs, evidence, input names). Whatever
 * the strings hold (formula triggers, quotes, line breaks, control bytes, lone surrogates,
 * U+2028), every CSV row parses back with csv-parse into the header's column count, no
 * free-text cell starts with = + - @ TAB or CR, and every JSON line is one line of valid JSON.
 * The Zeek writers get the same treatment through the capture and Zeek-log fuzzers
 * (targets.mjs checkRecordOutputs) and directly here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EnrichedFinding } from '../../src/core/finding.js';
import { ZeekLogWriter } from '../../src/export/zeek-log-writer.js';
import { CONN_LOG, DNS_LOG, HTTP_LOG, SSL_LOG } from '../../src/export/zeek-fields.js';
import { csvParse } from './csv-parse-sync.js';
import { makeTargets, syntheticCaptures } from './targets.mjs';
import { modules, synth } from './modules.js';
import { runCase } from './run-case.js';
import { makeFinding, makeRun, ATTACKER_STRINGS } from '../export/fixtures.js';
import { formatTable } from '../../src/export/table.js';
import { renderHtml } from '../../src/export/html.js';

const targets = makeTargets(modules);
const SEED = 0x6f757470;

/** Hostile strings: formula triggers in front of anything, every kind of line break and control, lone surrogates. */
const hostile = fc.oneof(
  fc.constantFrom(...ATTACKER_STRINGS),
  fc.tuple(fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '"', ',', ' =', '\u0000', '\ufeff='), fc.string({ maxLength: 20 })).map(([a, b]) => a + b),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\ud800', '\udfff', '\u2028', '\u2029', '\u0085', '\r', '\n', '"', ',', ';', '\u001b', 'a', '\t'), maxLength: 30 }),
);
const num = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e308, -1));

const finding = fc
  .record({
    destHost: fc.option(hostile),
    evidence: hostile,
    inputSource: hostile,
    srcIp: hostile,
    destIp: fc.option(hostile),
    appProtocol: fc.option(hostile),
    transport: fc.option(hostile),
    communityId: fc.option(hostile),
    findingId: hostile,
    asOrg: fc.option(hostile),
    country: fc.option(hostile),
    mitre: fc.array(hostile, { maxLength: 3 }),
    score: num,
    startTime: num,
    endTime: num,
    srcPort: fc.option(num),
    connCount: num,
    detail: hostile,
  })
  .map(
    (v): EnrichedFinding =>
      makeFinding({
        destHost: v.destHost,
        evidence: v.evidence,
        inputSource: v.inputSource,
        srcIp: v.srcIp,
        destIp: v.destIp,
        appProtocol: v.appProtocol,
        transport: v.transport,
        communityId: v.communityId,
        findingId: v.findingId,
        mitreTechniqueIds: v.mitre,
        score: v.score,
        startTime: v.startTime,
        endTime: v.endTime,
        srcPort: v.srcPort,
        connCount: v.connCount,
        details: { note: v.detail, list: [v.detail, v.evidence] },
        srcGeo: { ipClass: 'public', country: v.country, asn: 1, asOrg: v.asOrg },
        destGeo: null,
      }),
  );

describe('findings writers', () => {
  it('CSV rows parse back with the header column count, no formula-led cell; JSON lines parse', () => {
    fc.assert(
      fc.property(finding, (f) => {
        runCase('findings', JSON.stringify(f) ?? '', () => targets.findings(f));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('every attacker string of the fixtures in every text column', () => {
    for (const s of ATTACKER_STRINGS) {
      const f = makeFinding({ destHost: s, evidence: s, inputSource: s, srcIp: s, destIp: s, appProtocol: s, communityId: s, findingId: s });
      expect(runCase('findings', s, () => targets.findings(f)).cells).toBe(modules.CSV_COLUMNS.length);
    }
  });
});

/** One real record of each kind, from the synthetic traces through the real capture path. */
function realRecords(): Record<'conn' | 'dns' | 'http' | 'ssl', Record<string, unknown>> {
  const got: Record<string, Record<string, unknown>> = {};
  const keep = (k: string) => (r: unknown) => {
    got[k] ??= r as Record<string, unknown>;
  };
  const sink = { conn: keep('conn'), dns: keep('dns'), http: keep('http'), ssl: keep('ssl') };
  const anomalies = new modules.AnomalyCounter();
  for (const [name, buf] of syntheticCaptures(synth)) {
    if (!['dns-udp', 'http', 'tls'].includes(name)) continue;
    const decoder = new modules.PacketDecoder(anomalies);
    const table = new modules.FlowTable({ emit: sink.conn, appFactory: modules.createAppAnalyzerFactory(sink, anomalies), anomalies });
    modules.readCaptureBuffer(buf, name, 0, (m, st) => st === 0 && table.addPacket(m), { anomalies, decoder });
    table.flush();
  }
  return got as Record<'conn' | 'dns' | 'http' | 'ssl', Record<string, unknown>>;
}

/** The record with every string field (but the addresses) set to `a` or `b` and every string list to `list`. */
function poison(r: Record<string, unknown>, a: string, b: string, list: string[]): Record<string, unknown> {
  const o: Record<string, unknown> = { ...r };
  let i = 0;
  for (const [k, v] of Object.entries(r)) {
    // Addresses are formatted from packet bytes by the decoder, never attacker text.
    if (k === 'origH' || k === 'respH') continue;
    if (typeof v === 'string' || (v === null && /name|host|uri|agent|query|service|history|state|version|cipher|subject|issuer|ja|referrer|method|proto/i.test(k))) o[k] = i++ % 2 ? a : b;
    else if (Array.isArray(v) && (v.length === 0 || typeof v[0] === 'string')) o[k] = list;
  }
  return o;
}

describe('terminal table and HTML report', () => {
  it('attacker text never reaches the terminal as control or bidi characters, nor the HTML as markup', () => {
    fc.assert(
      fc.property(finding, hostile, fc.nat(), (f0, text, n) => {
        // A marker tag the report never writes itself: if it shows up raw, attacker text became markup.
        const tag = `<kz${n} onerror=x>`;
        const f = { ...f0, evidence: text + tag, destHost: tag + text, inputSource: `</script>${tag}` };
        const table = formatTable([f], { width: 120, color: false });
        // eslint-disable-next-line no-control-regex
        expect(table).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
        const html = renderHtml([f], makeRun());
        expect(html).not.toContain(`<kz${n}`);
        expect(html.split('</script>').length).toBe(renderHtml([makeFinding()], makeRun()).split('</script>').length);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});

describe('Zeek log writers', () => {
  const recs = realRecords();
  it('the synthetic traces give one record of each kind', () => {
    expect(Object.keys(recs).sort()).toEqual(['conn', 'dns', 'http', 'ssl']);
  });

  it('hostile strings in every string column keep TSV column counts, JSON and CSV valid', () => {
    const specs = { conn: CONN_LOG, dns: DNS_LOG, http: HTTP_LOG, ssl: SSL_LOG } as const;
    fc.assert(
      fc.property(hostile, hostile, fc.array(hostile, { maxLength: 4 }), (a, b, list) => {
        for (const kind of ['conn', 'dns', 'http', 'ssl'] as const) {
          const spec = specs[kind] as unknown as ConstructorParameters<typeof ZeekLogWriter<unknown>>[0];
          const rec = poison(recs[kind], a, b, list);
          const tsv = new ZeekLogWriter(spec, 'tsv', null);
          const json = new ZeekLogWriter(spec, 'json', null);
          const csv = new ZeekLogWriter(spec, 'csv', null);
          for (const w of [tsv, json, csv]) w.write(rec);
          const row = tsv.lines.find((l) => !l.startsWith('#'))!;
          expect(row.split('\t')).toHaveLength(spec.fields.length);
          // eslint-disable-next-line no-control-regex
          expect(row).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f]/);
          expect(json.lines).toHaveLength(1);
          expect(json.lines[0]).not.toMatch(/[\n\r\u2028\u2029]/);
          expect(() => JSON.parse(json.lines[0])).not.toThrow();
          const rows = csvParse(csv.lines.join('\r\n') + '\r\n', {}) as string[][];
          expect(rows).toHaveLength(2);
          expect(rows[1]).toHaveLength(spec.fields.length);
          spec.fields.forEach((f, i) => {
            if (/string|enum/.test(f.type)) expect(rows[1][i], f.name).not.toMatch(/^[=+\-@\t\r]/);
          });
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});
