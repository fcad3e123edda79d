import { describe, expect, it } from 'vitest';
import { jsonlLine } from '../../src/export/jsonl.js';
import { ecsDocument } from '../../src/export/fields.js';
import { makeFinding, makeFindings } from './fixtures.js';

describe('JSON lines with ECS names', () => {
  it('maps a beacon to ECS fields', () => {
    const doc = JSON.parse(jsonlLine(makeFinding({ abroad: true })));
    expect(doc['@timestamp']).toBe('2024-02-08T15:16:39.123Z');
    expect(doc.message).toBe('297 connections every 2.2 s (jitter 0.1 s)');
    expect(doc.event).toMatchObject({
      kind: 'alert',
      module: 'konseki',
      severity: 4,
      risk_score: 87.3,
      start: '2024-02-08T15:16:39.123Z',
      end: '2024-02-08T15:27:44.500Z',
      id: 'b-0001',
    });
    expect(doc.event.duration).toBe(665376544000);
    expect(doc.rule.name).toBe('beacon');
    expect(doc.source).toMatchObject({ ip: '147.32.80.37', bytes: 123456, geo: { country_iso_code: 'CZ' }, as: { number: 2852 } });
    expect(doc.source.port).toBeUndefined();
    expect(doc.destination).toMatchObject({
      ip: '141.193.213.21',
      port: 443,
      domain: 'testing.com',
      geo: { country_iso_code: 'US' },
      as: { number: 209242, organization: { name: 'Cloudflare London, LLC' } },
    });
    expect(doc.network).toEqual({ type: 'ipv4', transport: 'tcp', protocol: 'ssl', direction: 'outbound', community_id: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=' });
    expect(doc.event.category).toEqual(['network', 'intrusion_detection']);
    expect(doc.event.type).toEqual(['info']);
    expect(doc.event.risk_score_norm).toBe(87.3);
    expect(doc.related).toEqual({ ip: ['147.32.80.37', '141.193.213.21'], hosts: ['testing.com'] });
    expect(doc.observer).toMatchObject({ product: 'konseki', type: 'ids' });
    expect(doc.threat.technique.id).toEqual(['T1071.001', 'T1573']);
    expect(doc.threat.tactic.id).toEqual(['TA0011']);
    expect(doc.konseki).toMatchObject({ severity: 'high', conn_count: 297, abroad: true, dest_ip_class: 'public' });
    expect(doc.konseki.details.intervals).toEqual([2.2, 2.1, 2.3, 2.2]);
  });

  it('leaves absent values absent (no nulls), and drops empty objects', () => {
    const doc = ecsDocument(
      makeFinding({ destIp: null, destPort: null, destHost: null, destGeo: null, communityId: null, mitreTechniqueIds: [], mitreTacticIds: [], details: {} }),
    );
    const text = JSON.stringify(doc);
    expect(text).not.toContain('null');
    expect((doc.destination as Record<string, unknown>).ip).toBeUndefined();
    expect(doc.threat).toBeUndefined();
    expect((doc.network as Record<string, unknown>).community_id).toBeUndefined();
    expect((doc.konseki as Record<string, unknown>).details).toBeUndefined();
  });

  it('writes exactly one line per finding, each valid JSON, whatever the strings hold', () => {
    const findings = makeFindings();
    const text = findings.map(jsonlLine).join('');
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBe(findings.length);
    expect(text).not.toMatch(/[\u2028\u2029]/);
    lines.forEach((l, i) => {
      const d = JSON.parse(l);
      expect(d.event.id).toBe(findings[i].findingId);
      expect(d.message).toBe(findings[i].evidence);
    });
  });

  it('maps each severity to a number', () => {
    const sev = ['informational', 'low', 'medium', 'high', 'critical'] as const;
    expect(sev.map((s) => (ecsDocument(makeFinding({ severity: s })).event as { severity: number }).severity)).toEqual([1, 2, 3, 4, 5]);
  });
});
