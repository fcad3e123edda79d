import { describe, expect, it } from 'vitest';
import { displayWidth, formatTable, terminalSafe } from '../../src/export/table.js';
import { makeFinding, makeFindings } from './fixtures.js';

const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('findings table', () => {
  it('ranks by score and fits every line to the width', () => {
    for (const width of [60, 80, 120, 200]) {
      const out = formatTable(makeFindings(), { width });
      const lines = out.trimEnd().split('\n');
      expect(lines[0]).toMatch(width >= 100 ? /^#\s+SEVERITY\s+SCORE/ : /^#\s+SEVERITY\s+.*DESTINATION\s+EVIDENCE/);
      for (const l of lines) expect(Array.from(l).length, `width ${width}: ${l}`).toBeLessThanOrEqual(width);
      expect(lines[1]).toMatch(width >= 100 ? /^1\s+critical\s+95/ : /^1\s+critical\s+.*\[2001:db8::5\]:80/);
      expect(lines.length).toBe(makeFindings().length + 1);
    }
  });

  it('shows country and AS when there is room, and drops them on narrow terminals', () => {
    const wide = formatTable([makeFinding()], { width: 200 });
    expect(wide).toContain('US AS209242 Cloudflare London, LLC');
    expect(wide).toContain('141.193.213.21:443 (testing.com)');
    const narrow = formatTable([makeFinding()], { width: 70 });
    expect(narrow).not.toContain('WHERE');
  });

  it('uses colour only when asked', () => {
    const plain = formatTable(makeFindings(), { width: 120 });
    expect(plain).not.toContain('\x1b[');
    const colored = formatTable(makeFindings(), { width: 120, color: true });
    expect(colored).toContain('\x1b[1;37;41m');
    expect(visible(colored)).toBe(plain);
  });

  it('never passes control characters from the traffic to the terminal', () => {
    const out = formatTable([makeFinding({ evidence: 'a\x1b]0;owned\x07b\x9bc', destHost: 'x\ry' })], { width: 300 });
    expect(out).not.toMatch(/[\x07\x1b\r\x9b]/);
    expect(out).toContain('a\\x1b]0;owned\\x07b\\x9bc');
    expect(terminalSafe('\u0000')).toBe('\\x00');
    expect(terminalSafe('abc\u202edcba')).toBe('abc\\u202edcba');
  });

  it('counts wide characters as two columns', () => {
    // Independent of the code under test: CJK ideographs take 2 columns, ASCII 1.
    const cols = (l: string) => Array.from(l).reduce((n, ch) => n + (/[\u4e00-\u9fff\u3040-\u30ff]/.test(ch) ? 2 : 1), 0);
    for (const width of [60, 100, 160]) {
      const out = formatTable([makeFinding({ destHost: '日本語のホスト名.example', evidence: '送信された大量のデータ'.repeat(8) })], { width });
      for (const l of out.trimEnd().split('\n')) expect(cols(l), l).toBeLessThanOrEqual(width);
    }
    expect(displayWidth('日本a')).toBe(5);
  });

  it('says so when there is nothing', () => {
    expect(formatTable([])).toBe('No findings.\n');
  });
});
