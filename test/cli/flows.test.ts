import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { orderInputs, runFlows, type FlowsArgs } from '../../src/cli/commands/flows.js';
import { EXIT_OK, EXIT_PARTIAL, EXIT_USAGE } from '../../src/cli/exit-codes.js';
import { readBaseline } from '../flow/helpers.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(HERE, '../../../shared/corpus');
const WIKI = path.join(CORPUS, 'zeek-traces/wikipedia-tcp-udp-dns-http/wikipedia.pcap');
const GET = path.join(CORPUS, 'zeek-traces/http-get/get.pcap');
const GRE = path.join(CORPUS, 'zeek-traces/gre-tunnel-icmp-dns-ssh/gre-sample.pcap');

const tmp = mkdtempSync(path.join(tmpdir(), 'konseki-flows-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(args: FlowsArgs): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await runFlows(args, { stdout, stderr });
  return { code, out, err };
}

/** Parses the accounting line and checks that it adds up. */
function accounting(err: string): { read: number; flows: number; nonIp: number; anomalies: number; fragments: number } {
  const m = /(\d+) packets read = (\d+) in flows \+ (\d+) non-IP \+ (\d+) anomalies \+ (\d+) fragments/.exec(err);
  expect(m, err).not.toBeNull();
  const [read, flows, nonIp, anomalies, fragments] = m!.slice(1).map(Number);
  expect(read).toBe(flows + nonIp + anomalies + fragments);
  expect(err).not.toContain('does not add up');
  return { read, flows, nonIp, anomalies, fragments };
}

describe.skipIf(!existsSync(CORPUS))(`konseki flows (corpus at ${CORPUS})`, () => {
  it('writes a Zeek conn.log to a file, with the accounting on stderr', async () => {
    const out = path.join(tmp, 'conn.log');
    const r = await run({ inputs: [WIKI], output: out });
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toBe('');
    const rows = readBaseline(out);
    expect(rows.length).toBe(34);
    const text = readFileSync(out, 'utf8');
    expect(text.startsWith('#separator \\x09\n#set_separator\t,\n')).toBe(true);
    expect(text.trimEnd().split('\n').at(-1)!.startsWith('#close\t')).toBe(true);
    const a = accounting(r.err);
    // SOURCES.md: wikipedia.pcap has 136 packets.
    expect(a.read).toBe(136);
    expect(rows.filter((x) => x.service === 'dns').length).toBe(24);
  });

  it('treats several captures as one, ordered by first packet time', async () => {
    expect(orderInputs([GET, WIKI])).toEqual([WIKI, GET]);
    const r = await run({ inputs: [GET, WIKI], format: 'jsonl' });
    expect(r.code).toBe(EXIT_OK);
    expect(r.err).toContain('in time order');
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(35);
    const a = accounting(r.err);
    expect(a.read).toBe(136 + 14);
    expect(lines.every((o) => typeof o['id.orig_h'] === 'string' && typeof o.community_id === 'string')).toBe(true);
  });

  it('writes CSV with snake_case headers', async () => {
    const r = await run({ inputs: [GET], format: 'csv' });
    expect(r.code).toBe(EXIT_OK);
    const lines = r.out.trim().split('\n');
    expect(lines[0].split(',').slice(0, 6)).toEqual(['ts', 'uid', 'id_orig_h', 'id_orig_p', 'id_resp_h', 'id_resp_p']);
    expect(lines.length).toBe(2);
    expect(lines[1]).toContain(',192.150.187.43,80,tcp,http,0.211484,136,5007,SF,');
  });

  it('--logs DIR writes conn, dns, http and ssl logs', async () => {
    const dir = path.join(tmp, 'logs');
    const r = await run({ inputs: [WIKI], logs: dir });
    expect(r.code).toBe(EXIT_OK);
    for (const name of ['conn', 'dns', 'http', 'ssl']) {
      const text = readFileSync(path.join(dir, `${name}.log`), 'utf8');
      expect(text).toContain(`#path\t${name}\n`);
    }
    expect(readBaseline(path.join(dir, 'conn.log')).length).toBe(34);
    expect(readBaseline(path.join(dir, 'http.log')).length).toBeGreaterThan(0);
    expect(readBaseline(path.join(dir, 'dns.log')).length).toBeGreaterThan(0);
  });

  it('writes tunnel_parents for flows inside a GRE tunnel', async () => {
    const r = await run({ inputs: [GRE] });
    const rows = r.out.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t'));
    expect(rows.length).toBe(7);
    const parents = new Set(rows.map((c) => c[20]));
    expect(parents.size).toBe(1);
    expect([...parents][0]).toMatch(/^C[0-9A-Za-z]+$/);
  });

  it('exits 3 on a truncated capture and keeps what was read', async () => {
    const cut = path.join(tmp, 'cut.pcap');
    const whole = readFileSync(WIKI);
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const r = await run({ inputs: [cut] });
    expect(r.code).toBe(EXIT_PARTIAL);
    expect(r.err).toMatch(/cut\.pcap/);
    const a = accounting(r.err);
    expect(a.read).toBeGreaterThan(0);
    expect(a.read).toBeLessThan(136);
    expect(r.out).toContain('#close');
  });

  it('exits 2 on an input that is not a capture, or a missing file', async () => {
    const txt = path.join(tmp, 'notes.txt');
    writeFileSync(txt, 'hello, this is not a capture\n');
    const r = await run({ inputs: [txt] });
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.err).toContain('notes.txt');
    const m = await run({ inputs: [path.join(tmp, 'nope.pcap')] });
    expect(m.code).toBe(EXIT_USAGE);
    expect(m.err).toContain('no such file');
    const both = await run({ inputs: [GET], output: path.join(tmp, 'x.log'), logs: tmp });
    expect(both.code).toBe(EXIT_USAGE);
  });
});

describe.skipIf(!existsSync(CORPUS))(`konseki flows on malformed and odd captures (corpus at ${CORPUS})`, () => {
  it('never throws; exits 0, 2 or 3; the accounting adds up whenever packets were read', async () => {
    const { readdirSync, statSync } = await import('node:fs');
    const files: string[] = [];
    const walk = (d: string) => {
      for (const n of readdirSync(d)) {
        const p = path.join(d, n);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(pcap|pcapng)$/.test(n)) files.push(p);
      }
    };
    walk(path.join(CORPUS, 'malformed'));
    walk(path.join(CORPUS, 'linktypes'));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const r = await run({ inputs: [f], format: 'jsonl' });
      expect([EXIT_OK, EXIT_USAGE, EXIT_PARTIAL], f).toContain(r.code);
      if (/packets read/.test(r.err)) accounting(r.err);
      for (const line of r.out.split('\n').filter(Boolean)) JSON.parse(line);
    }
  });
});

describe('withStdin', () => {
  it('puts back the - that yargs drops, but not the value of -o', async () => {
    const { withStdin } = await import('../../src/cli/commands/flows.js');
    expect(withStdin([], ['flows', '-'])).toEqual(['-']);
    expect(withStdin(['a.pcap'], ['flows', 'a.pcap', '-', '-f', 'csv'])).toEqual(['-', 'a.pcap']);
    expect(withStdin(['a.pcap'], ['flows', 'a.pcap', '-o', '-'])).toEqual(['a.pcap']);
    expect(withStdin(['-'], ['flows', '-'])).toEqual(['-']);
  });
});

describe.skipIf(!existsSync(CORPUS))(`konseki flows output errors (corpus at ${CORPUS})`, () => {
  it('an output path that cannot be opened is a clear usage error', async () => {
    const r = await run({ inputs: [GET], output: path.join(tmp, 'no-such-dir', 'conn.log') });
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.err).toMatch(/cannot write output: .*no-such-dir/);
  });
});
