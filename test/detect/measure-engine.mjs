// Throughput and memory of the DetectionEngine on a synthetic day of TLS connections.
// Not a test (no timing assertions): run after `npm run build`:
//   node --expose-gc test/detect/measure-engine.mjs [hosts] [connsPerHost]
// Prints conn records/s fed, finish() seconds, heap growth, pairs and findings.
import { DetectionEngine } from '../../dist/detect/index.js';
import { loadSignatures } from '../../dist/cli/signatures.js';

const HOSTS = Number(process.argv[2] ?? 2000);
const PER = Number(process.argv[3] ?? 1000);
let seed = 1;
const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const engine = new DetectionEngine(loadSignatures());
// Addresses are built once, so the loop measures the engine, not string building.
const dsts = Array.from({ length: 5000 }, (_, d) => `198.${51 + (d >> 8)}.${d & 255}.1`);
const srcs = Array.from({ length: HOSTS }, (_, h) => `10.${(h >> 8) & 255}.${h & 255}.10`);
const START = 1767225600;
const proto = {
  ts: 0, uid: '', origH: '', origP: 0, respH: '', respP: 443, proto: 'tcp', service: 'ssl', duration: 1,
  origBytes: 500, respBytes: 4000, connState: 'SF', localOrig: null, localResp: null, missedBytes: 0,
  history: 'ShADadFf', origPkts: 5, origIpBytes: 700, respPkts: 6, respIpBytes: 4300, tunnelParents: [],
  vlan: null, innerVlan: null, communityId: null,
};
globalThis.gc?.();
const heap0 = process.memoryUsage().heapUsed;
const t0 = performance.now();
let n = 0;
for (let h = 0; h < HOSTS; h++) {
  for (let k = 0; k < PER; k++) {
    const r = { ...proto };
    r.ts = START + rnd() * 86400;
    r.uid = 'C' + (n++).toString(36);
    r.origH = srcs[h];
    r.origP = 40000 + (k & 0x3fff);
    r.respH = dsts[Math.floor(rnd() ** 3 * dsts.length)];
    engine.conn(r);
  }
}
const t1 = performance.now();
globalThis.gc?.();
const heap1 = process.memoryUsage().heapUsed;
const findings = engine.finish();
const t2 = performance.now();
const stats = engine.stats();
if (stats.conn !== n) throw new Error(`engine saw ${stats.conn} conn records, fed ${n}`);
console.log(JSON.stringify({
  conns: n,
  connsPerSec: Math.round(n / ((t1 - t0) / 1000)),
  finishSec: Number(((t2 - t1) / 1000).toFixed(2)),
  heapMB: Math.round((heap1 - heap0) / 1e6),
  pairs: stats.pairs,
  findings: findings.length,
}));
