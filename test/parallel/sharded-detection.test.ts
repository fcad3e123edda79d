/**
 * Detection sharded by source (src/detect/shard.ts), in one thread: the records of real
 * inputs split among N engines by detectionShardKey, merged in the three steps, give the
 * findings and summary one engine gives over everything, byte for byte.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import type { ConnRecord, DnsRecord, HttpRecord, RecordSink, SslRecord } from '../../src/core/records.js';
import { normalizeDetectConfig, type DetectConfig } from '../../src/detect/config.js';
import { DetectionEngine } from '../../src/detect/engine.js';
import {
  applyGlobals,
  detectionShardKey,
  finishShard,
  mergeAggregates,
  mergeShardFindings,
  mergeShardStats,
  shardAggregates,
  shardOfAddress,
  sumCounts,
} from '../../src/detect/shard.js';
import { readZeekLogs } from '../../src/ingest/zeek/reader.js';
import { readCapture } from '../../src/ingest/capture-reader.js';
import { PacketDecoder } from '../../src/ingest/decode/packet-decoder.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { createAppAnalyzerFactory } from '../../src/app/index.js';
import { DecodeStatus, PacketMeta } from '../../src/core/packet.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(here, '../../../shared/corpus');

type Rec = ['conn', ConnRecord] | ['dns', DnsRecord] | ['http', HttpRecord] | ['ssl', SslRecord];

async function recordsOf(inputs: string[]): Promise<Rec[]> {
  const out: Rec[] = [];
  const sink: RecordSink = {
    conn: (r) => void out.push(['conn', r]),
    dns: (r) => void out.push(['dns', r]),
    http: (r) => void out.push(['http', r]),
    ssl: (r) => void out.push(['ssl', r]),
  };
  const logs = inputs.filter((p) => !/\.pcap(ng)?$/.test(p));
  const caps = inputs.filter((p) => /\.pcap(ng)?$/.test(p));
  if (logs.length > 0) await readZeekLogs(logs, sink, { anomalies: new AnomalyCounter() });
  for (const c of caps) {
    const anomalies = new AnomalyCounter();
    const table = new FlowTable({ emit: (r) => sink.conn(r), appFactory: createAppAnalyzerFactory(sink, anomalies), anomalies });
    await readCapture(c, 0, (m: PacketMeta, st: DecodeStatus) => void (st === DecodeStatus.Ip && table.addPacket(m)), {
      anomalies,
      decoder: new PacketDecoder(anomalies),
      meta: new PacketMeta(),
    });
    table.flush();
  }
  return out;
}

function feed(e: DetectionEngine, [kind, r]: Rec): void {
  // The engine may replace fields of a bad record: give each engine its own copy.
  const c = { ...r };
  if (kind === 'conn') e.conn(c as ConnRecord);
  else if (kind === 'dns') e.dns(c as DnsRecord);
  else if (kind === 'http') e.http(c as HttpRecord);
  else e.ssl(c as SslRecord);
}

function single(recs: Rec[], cfg: DetectConfig): { findings: string; stats: unknown; anomalies: unknown } {
  const a = new AnomalyCounter();
  const e = new DetectionEngine(cfg, a);
  for (const r of recs) feed(e, r);
  const findings = JSON.stringify(e.finish());
  return { findings, stats: e.stats(), anomalies: a.toJSON() };
}

function sharded(recs: Rec[], cfg: DetectConfig, n: number): { findings: string; stats: unknown; anomalies: unknown; perShard: number[] } {
  const resolved = normalizeDetectConfig(cfg);
  const isInternal = (ip: string): boolean => resolved.internal.has(ip);
  const anomalies = Array.from({ length: n }, () => new AnomalyCounter());
  const engines = anomalies.map((a) => new DetectionEngine(cfg, a));
  const perShard = new Array<number>(n).fill(0);
  for (const r of recs) {
    const k = shardOfAddress(detectionShardKey(r[1] as ConnRecord, isInternal), n);
    perShard[k]++;
    feed(engines[k], r);
  }
  const g = mergeAggregates(engines.map((e) => shardAggregates(e)));
  const keyHosts = sumCounts(engines.map((e) => applyGlobals(e, g)));
  const parts = engines.map((e) => finishShard(e, g, keyHosts));
  const merged = mergeShardFindings(parts, resolved.caps.maxFindingsPerDetector);
  const all = new AnomalyCounter();
  for (const a of anomalies) all.merge(a);
  return {
    findings: JSON.stringify(merged.findings),
    stats: mergeShardStats(engines.map((e) => e.stats()), g.internalHosts.length, merged.counts),
    anomalies: all.toJSON(),
    perShard,
  };
}

describe('shard key', () => {
  it('is the originator, except active-FTP data towards an internal client', () => {
    const isInternal = (ip: string): boolean => ip.startsWith('10.');
    expect(detectionShardKey({ origH: '10.0.0.1', respH: '8.8.8.8', service: 'dns' }, isInternal)).toBe('10.0.0.1');
    expect(detectionShardKey({ origH: '8.8.8.8', respH: '10.0.0.1', service: null }, isInternal)).toBe('8.8.8.8');
    expect(detectionShardKey({ origH: '8.8.8.8', respH: '10.0.0.1', service: 'FTP-DATA' }, isInternal)).toBe('10.0.0.1');
    expect(detectionShardKey({ origH: '10.0.0.2', respH: '10.0.0.1', service: 'ftp-data' }, isInternal)).toBe('10.0.0.2');
  });
  it('spreads addresses over the shards, the same way every time', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 64; i++) seen.add(shardOfAddress(`10.0.${i}.7`, 4));
    expect(seen.size).toBe(4);
    expect(shardOfAddress('192.168.1.5', 3)).toBe(shardOfAddress('192.168.1.5', 3));
    expect(shardOfAddress('192.168.1.5', 1)).toBe(0);
  });
});

describe.skipIf(!existsSync(CORPUS))('sharded detection gives one engine\'s findings (corpus at ../shared/corpus)', () => {
  const zeekSets = path.join(CORPUS, 'zeek-logs');
  const c2 = path.join(CORPUS, 'c2');

  it('every Zeek log set, and the C2 Zeek folders, split 2 and 5 ways', async () => {
    const inputs = [
      ...readdirSync(zeekSets).map((d) => path.join(zeekSets, d)),
      path.join(c2, 'slips-ctu-sme-11-remcosrat-labeled-zeek'),
      path.join(c2, 'zeek-merlin-c2-quic'),
    ];
    const recs = await recordsOf(inputs);
    const cfg: DetectConfig = { sourceNames: inputs };
    const one = single(recs, cfg);
    expect(JSON.parse(one.findings).length).toBeGreaterThan(3);
    for (const n of [2, 5]) {
      const many = sharded(recs, cfg, n);
      expect(many.perShard.filter((x) => x > 0).length, `records spread over ${n} shards`).toBe(n);
      expect(many.findings, `findings, ${n} shards`).toBe(one.findings);
      expect(many.stats, `summary, ${n} shards`).toEqual(one.stats);
      expect(many.anomalies, `anomaly counts, ${n} shards`).toEqual(one.anomalies);
    }
  });

  it('every C2 capture, with every direction considered', async () => {
    const caps = readdirSync(c2).flatMap((d) => readdirSync(path.join(c2, d)).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => path.join(c2, d, f)));
    expect(caps.length).toBeGreaterThan(3);
    const recs = await recordsOf(caps);
    for (const cfg of [{}, { consider: ['outbound', 'internal'] }] as DetectConfig[]) {
      const one = single(recs, cfg);
      expect(JSON.parse(one.findings).length).toBeGreaterThan(0);
      for (const n of [2, 4]) {
        const many = sharded(recs, cfg, n);
        expect(many.findings, `findings, ${n} shards, ${JSON.stringify(cfg)}`).toBe(one.findings);
        expect(many.stats).toEqual(one.stats);
      }
    }
  });
});
