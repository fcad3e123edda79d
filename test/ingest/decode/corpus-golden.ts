/**
 * Readers for the corpus' ground-truth files: Zeek TSV logs (btest baselines) and tcpdump
 * expected outputs (`tcpdump -# -n -r`), turned into the fields the decoder must reproduce.
 */
import { readFileSync } from 'node:fs';

/** Rows of a Zeek TSV log (or a cut file with one plain header line), as objects by field name. */
export function readZeekLog(file: string): Record<string, string>[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('### '));
  let fields: string[] = [];
  const rows: Record<string, string>[] = [];
  for (const line of lines) {
    if (line.startsWith('#fields\t')) fields = line.split('\t').slice(1);
    else if (line.startsWith('#')) continue;
    else if (fields.length === 0) fields = line.split('\t');
    else {
      const vals = line.split('\t');
      rows.push(Object.fromEntries(fields.map((f, i) => [f, vals[i]])));
    }
  }
  return rows;
}

export interface TcpdumpPacket {
  no: number;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

/**
 * Addresses and ports of each numbered packet in a tcpdump `-#` output (the text of a
 * packet may continue on indented lines, as with -v). Packets tcpdump printed without an
 * IP address pair are left out.
 */
export function readTcpdumpOut(file: string): TcpdumpPacket[] {
  const blocks: { no: number; text: string }[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s{0,5}(\d+)\s{2}\S/.exec(line);
    if (m) blocks.push({ no: Number(m[1]), text: line });
    else if (blocks.length) blocks[blocks.length - 1].text += '\n' + line;
  }
  const out: TcpdumpPacket[] = [];
  const v4 = '\\d{1,3}(?:\\.\\d{1,3}){3}';
  const v6 = '[0-9a-f]*:[0-9a-f:]*';
  const withPorts = new RegExp(`(?:^|\\s)(${v4}|${v6})\\.(\\d+) > (${v4}|${v6})\\.(\\d+):`);
  const noPorts = new RegExp(`(?:^|\\s)(${v4}|${v6}) > (${v4}|${v6}):`);
  for (const b of blocks) {
    const p = withPorts.exec(b.text);
    if (p) {
      out.push({ no: b.no, src: p[1], sport: Number(p[2]), dst: p[3], dport: Number(p[4]) });
      continue;
    }
    const q = noPorts.exec(b.text);
    if (q) out.push({ no: b.no, src: q[1], dst: q[2] });
  }
  return out;
}
