/**
 * Runs one fuzz case and turns its outcome into a test failure with the input attached:
 * an escaped exception, a broken property (InvariantError), or a case that used more CPU time
 * than timeBoundMs(size) (a hang guard, not a speed test). CPU time of the process, not wall
 * time, so that a loaded machine (other test files, other jobs) does not make a case fail.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvariantError, timeBoundMs } from './targets.mjs';

/** Where a failing input is saved whole (outside the project), to turn it into a regression test. */
export const FAILURE_DIR = path.join(tmpdir(), 'konseki-fuzz-failures');

function save(target: string, b: Buffer): string {
  try {
    mkdirSync(FAILURE_DIR, { recursive: true });
    const file = path.join(FAILURE_DIR, `${target}-${createHash('sha1').update(b).digest('hex').slice(0, 12)}.bin`);
    writeFileSync(file, b);
    return file;
  } catch {
    return '(not saved)';
  }
}

export class FuzzFailure extends Error {
  constructor(target: string, what: string, input: Buffer | string) {
    const b = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
    super(`${target}: ${what}\ninput (${b.length} bytes, saved as ${save(target, b)}), first 256 in hex: ${b.subarray(0, 256).toString('hex')}`);
    this.name = 'FuzzFailure';
  }
}

/** CPU milliseconds (user + system) used by this process since `since`. */
export function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

/** Runs `fn(input)` once and throws a FuzzFailure on a crash, a broken property or a hang. */
export function runCase<T>(target: string, input: Buffer | string, fn: () => T): T {
  const t0 = process.cpuUsage();
  let out: T;
  try {
    out = fn();
  } catch (e) {
    if (e instanceof InvariantError) throw new FuzzFailure(target, e.message, input);
    throw new FuzzFailure(target, `exception escaped: ${(e as Error)?.stack ?? e}`, input);
  }
  const ms = cpuMs(t0);
  const bound = timeBoundMs(input.length);
  if (ms > bound) throw new FuzzFailure(target, `used ${ms.toFixed(0)} ms of CPU, bound ${bound.toFixed(0)} ms`, input);
  return out;
}

/** The async twin of runCase. */
export async function runCaseAsync<T>(target: string, input: Buffer, fn: () => Promise<T>): Promise<T> {
  const t0 = process.cpuUsage();
  let out: T;
  try {
    out = await fn();
  } catch (e) {
    if (e instanceof InvariantError) throw new FuzzFailure(target, e.message, input);
    throw new FuzzFailure(target, `exception escaped: ${(e as Error)?.stack ?? e}`, input);
  }
  const ms = cpuMs(t0);
  const bound = timeBoundMs(input.length);
  if (ms > bound) throw new FuzzFailure(target, `used ${ms.toFixed(0)} ms of CPU, bound ${bound.toFixed(0)} ms`, input);
  return out;
}
