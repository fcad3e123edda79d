/** The capture files (.pcap, .pcapng) under a folder, recursively, sorted: for corpus-wide tests. */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export function captureFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) captureFiles(p, out);
    else if (e.endsWith('.pcap') || e.endsWith('.pcapng')) out.push(p);
  }
  return out.sort();
}
