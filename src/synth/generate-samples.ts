#!/usr/bin/env node
/** Writes the bundled samples (samples/*.pcap) from the deterministic generators. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildC2Sample } from './c2-sample.js';

const dir = process.argv[2] ?? 'samples';
const buf = buildC2Sample();
writeFileSync(join(dir, 'c2-sample.pcap'), buf);
process.stderr.write(`wrote ${join(dir, 'c2-sample.pcap')} (${buf.length} bytes)\n`);
