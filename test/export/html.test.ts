import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml, beaconSeries, MAX_CHART_POINTS, esc } from '../../src/export/html.js';
import { makeFinding, makeFindings, makeRun } from './fixtures.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const TMP = mkdtempSync(join(tmpdir(), 'konseki-html-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe('HTML report (static checks)', () => {
  const html = renderHtml(makeFindings(), makeRun());

  it('is self-contained: a CSP forbids every fetch, and nothing references the network', () => {
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:;`);
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/url\(/i);
    // The only absolute URL is DB-IP's attribution link, which the user may click; the
    // fixtures' attacker text holds http://evil.example..., which appears only as text.
    const urls = html.match(/https?:\/\/[^"'<\s]+/g) ?? [];
    expect(urls.filter((u) => !u.startsWith('https://db-ip.com') && !'http://evil.example'.startsWith(u.replace(/…$/, '')) && !u.startsWith('http://evil.example'))).toEqual([]);
    expect(html).toContain('<a href="https://db-ip.com">IP Geolocation by DB-IP</a>');
    expect(html).not.toMatch(/href="http:\/\/evil/);
  });

  it('escapes traffic-derived text', () => {
    expect(html).not.toContain('<script>document.title');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(esc('<script>document.title="pwned"</script>'));
    expect(esc('<a href="x">\'&')).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
  });

  it('takes a beacon series from intervals and timestamps, or from timestamps alone', () => {
    const f = makeFinding();
    expect(beaconSeries(f)).toEqual({
      timeAxis: true,
      points: [
        [1707405401.2, 2.2],
        [1707405403.3, 2.1],
        [1707405405.6, 2.3],
        [1707405407.8, 2.2],
      ],
    });
    const onlyTs = beaconSeries(makeFinding({ details: { timestamps: [10, 12, 15] } }));
    expect(onlyTs).toEqual({ timeAxis: true, points: [[12, 2], [15, 3]] });
    const onlyIv = beaconSeries(makeFinding({ details: { intervals: [5, 6, 7] } }));
    expect(onlyIv).toEqual({ timeAxis: false, points: [[1, 5], [2, 6], [3, 7]] });
    // One or two interval modes are no series.
    expect(beaconSeries(makeFinding({ details: { intervals: [60], interval: 60 } })).points).toEqual([]);
    expect(renderHtml([makeFinding({ details: { intervals: [60], interval: 60 } })], makeRun())).toContain('Its interval: 60.0 s.');
    // Modes next to timestamps that do not line up: the intervals come from the times.
    expect(beaconSeries(makeFinding({ details: { intervals: [2], timestamps: [0, 2, 4.5] } })).points).toEqual([[2, 2], [4.5, 2.5]]);
    expect(beaconSeries(makeFinding({ details: { intervals: ['x'] as unknown as number[] } })).points).toEqual([]);
  });

  it('caps the points of one chart and says so', () => {
    const n = MAX_CHART_POINTS * 3;
    const big = makeFinding({ details: { intervals: Array.from({ length: n }, (_, i) => 60 + (i % 7)) } });
    const out = renderHtml([big], makeRun());
    expect(out).toContain(`data-points="${MAX_CHART_POINTS}"`);
    expect(out).toContain(`Showing 2,000 of 6,000 intervals`);
  });
});

describe.skipIf(!CHROMIUM)('HTML report rendered by headless Chromium', () => {
  if (!CHROMIUM) console.warn('chromium not found at /usr/bin/chromium: skipping the rendering test');

  function dumpDom(file: string): string {
    const profile = mkdtempSync(join(TMP, 'profile-'));
    return execFileSync(
      CHROMIUM!,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        `--user-data-dir=${profile}`,
        '--dump-dom',
        pathToFileURL(file).href,
      ],
      { encoding: 'utf8', timeout: 45_000, stdio: ['ignore', 'pipe', 'ignore'] },
    );
  }

  it('renders the summary, ranked findings, beacon charts, timeline, destinations and manifest', () => {
    const findings = makeFindings();
    const file = join(TMP, 'report.html');
    writeFileSync(file, renderHtml(findings, makeRun()));
    const dom = dumpDom(file);
    // The inline script ran (and only ours: the attacker's would have changed the title).
    expect(dom).toMatch(/<body[^>]*data-ready="1"/);
    expect(dom).toContain(`<title>Konseki report: ${findings.length} findings</title>`);
    expect(dom).not.toMatch(/<img[^>]*onerror/);
    // Summary counts per severity.
    expect(dom).toMatch(/id="count-total"><b>15<\/b>/);
    expect(dom).toMatch(/id="count-critical"><b[^>]*>1<\/b>/);
    expect(dom).toMatch(/id="count-medium"><b[^>]*>10<\/b>/);
    // Findings ranked: rank 1 is the critical upload.
    const rows = [...dom.matchAll(/<tr class="finding" id="finding-(\d+)"[^>]*data-score="([\d.]+)"/g)];
    expect(rows.length).toBe(findings.length);
    const scores = rows.map((r) => Number(r[2]));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores[0]).toBe(95);
    // Beacon charts: two beacons in the fixtures (b-0001 and none else) -> one chart, 4 dots.
    const charts = [...dom.matchAll(/<svg class="chart beacon-chart"[^>]*data-points="(\d+)"/g)];
    expect(charts.length).toBe(1);
    const dots = dom.slice(dom.indexOf('class="chart beacon-chart"')).split('</svg>')[0].match(/<circle/g) ?? [];
    expect(dots.length).toBe(4);
    // Timeline: one bar per finding (fewer than the cap).
    const tl = dom.slice(dom.indexOf('class="chart timeline"')).split('</svg>')[0];
    expect((tl.match(/<rect/g) ?? []).length).toBe(findings.length);
    // Destinations by country and AS.
    expect(dom).toMatch(/<table id="countries">[\s\S]*<td>RU<\/td><td class="num">10<\/td><td class="num">1<\/td><td><span class="bar" style="width: ?120px;?"><\/span>/);
    expect(dom).toMatch(/<table id="ases">[\s\S]*AS209242<\/td><td>Cloudflare London, LLC<\/td>/);
    // Manifest: the input with its hash, the GeoIP database with its build date.
    expect(dom).toContain('ab'.repeat(32));
    expect(dom).toContain('2026-06-17T19:51:40.000Z');
    expect(dom).toContain('konseki analyze test-cc-capture-1.pcap --format html');
  }, 60_000);

  it('loads nothing from outside the file (and the self-check does see an attempt)', () => {
    const html = renderHtml(makeFindings(), makeRun());
    const file = join(TMP, 'offline.html');
    writeFileSync(file, html);
    const dom = dumpDom(file);
    expect(dom).toMatch(/<body[^>]*data-csp-violations="0"/);
    expect(dom).toMatch(/<body[^>]*data-resources="0"/);
    // Negative control: the same report with a remote image slipped in is caught by the CSP.
    const tampered = join(TMP, 'tampered.html');
    writeFileSync(tampered, html.replace('<section id="summary">', '<img src="https://example.invalid/pixel.png"><section id="summary">'));
    const dom2 = dumpDom(tampered);
    expect(dom2).toMatch(/<body[^>]*data-csp-violations="[1-9]/);
  }, 60_000);

  it('renders an empty report', () => {
    const file = join(TMP, 'empty.html');
    writeFileSync(file, renderHtml([], makeRun({ inputs: [] })));
    const dom = dumpDom(file);
    expect(dom).toContain('<title>Konseki report: 0 findings</title>');
    expect(dom).toContain('No findings.');
    expect(dom).toMatch(/data-ready="1"/);
  }, 60_000);
});
