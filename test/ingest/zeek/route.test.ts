/**
 * Routing raw TSV lines by one column (id.orig_h) without parsing them: the bytes found are
 * those the parser maps to the record's address, and equal addresses hash equally.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../../src/core/anomaly.js';
import { ZeekLogParser, tsvColumnLayout, tsvFieldHash, tsvFieldStart } from '../../../src/ingest/zeek/index.js';
import { CollectingSink, corpus, HAVE_CORPUS } from './helpers.js';

function fnv1a(text: string): number {
  let h = 0x811c9dc5 | 0;
  for (const c of Buffer.from(text, 'latin1')) h = Math.imul(h ^ c, 0x01000193);
  return h >>> 0;
}

describe('tsvColumnLayout / tsvFieldStart / tsvFieldHash', () => {
  it('find a column from the header, its separator included, and hash its bytes', () => {
    const header = ['#separator \\x7c', '#set_separator|,', '#path|conn', '#fields|ts|uid|id.orig_h|id.orig_p', '#types|time|string|addr|port'];
    expect(tsvColumnLayout(header)).toEqual({ sep: 0x7c, column: 2 });
    expect(tsvColumnLayout(header.join('\n'), 'id.orig_p')).toEqual({ sep: 0x7c, column: 3 });
    expect(tsvColumnLayout(header, 'nope')).toBeNull();
    expect(tsvColumnLayout(['#separator \\x09', '#path\tconn'])).toBeNull();
    const line = Buffer.from('1.5|Cx|10.0.0.7|53\n');
    expect(tsvFieldStart(line, 0, line.length - 1, 2, 0x7c)).toBe(7);
    expect(tsvFieldHash(line, 0, line.length - 1, 2, 0x7c)).toBe(fnv1a('10.0.0.7'));
    expect(tsvFieldHash(line, 0, line.length - 1, 3, 0x7c)).toBe(fnv1a('53'));
    expect(tsvFieldHash(line, 0, line.length - 1, 4, 0x7c)).toBe(-1);
    expect(tsvFieldStart(line, 0, 6, 2, 0x7c)).toBe(-1);
  });

  it.skipIf(!HAVE_CORPUS)('route every line of a real conn.log by the address the parser reads from it', () => {
    const data = readFileSync(corpus('zeek-logs/rita-proxy-beacon-tsv/conn.log'));
    const sink = new CollectingSink();
    const p = new ZeekLogParser('conn.log', sink, { anomalies: new AnomalyCounter() });
    p.push(data);
    p.end();
    const headerLines: string[] = [];
    const hashes: number[] = [];
    let layout = null;
    for (let s = 0; ; ) {
      const nl = data.indexOf(10, s);
      if (nl < 0) break;
      if (data[s] === 0x23) headerLines.push(data.toString('latin1', s, nl));
      else {
        layout ??= tsvColumnLayout(headerLines);
        expect(layout).not.toBeNull();
        const at = tsvFieldStart(data, s, nl, layout!.column, layout!.sep);
        const end = data.indexOf(layout!.sep, at);
        expect(data.toString('latin1', at, end < 0 || end > nl ? nl : end)).toBe(sink.conns[hashes.length].origH);
        hashes.push(tsvFieldHash(data, s, nl, layout!.column, layout!.sep));
      }
      s = nl + 1;
    }
    expect(hashes.length).toBe(sink.conns.length);
    expect(hashes.length).toBeGreaterThan(400);
    // Equal addresses, equal hashes; and the hashes spread the hosts over more than one bucket.
    const byAddr = new Map<string, number>();
    sink.conns.forEach((r, i) => {
      if (byAddr.has(r.origH)) expect(hashes[i]).toBe(byAddr.get(r.origH));
      byAddr.set(r.origH, hashes[i]);
      expect(hashes[i]).toBe(fnv1a(r.origH));
    });
    expect(byAddr.size).toBeGreaterThan(1);
    expect(new Set(byAddr.values()).size).toBe(byAddr.size);
  });
});
