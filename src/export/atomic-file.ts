/**
 * Atomic output files: everything is written to a temporary file in the same folder, flushed
 * to disk, then renamed over the target (rename(2) within one file system is atomic). A SIEM
 * that watches the folder sees the previous file or the complete new one, never half a report.
 *
 * Interruption: while a temporary file is open and nobody else handles SIGINT or SIGTERM
 * (the default action would kill the process mid-write), our handler removes the temporary
 * files and re-raises the signal, so the process ends as it would have (exit 130 for SIGINT).
 * When the program has its own handler (it wants to finish gracefully and write partial
 * results), the write is left to complete. A process `exit` hook removes any temporary file
 * still open (e.g. when a handler calls process.exit(130) mid-write).
 */
import { closeSync, openSync, unlinkSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KonsekiError, ErrorCodes } from '../core/errors.js';

const pending = new Set<string>();
let hooksInstalled = false;

function removePending(): void {
  for (const p of pending) {
    try {
      unlinkSync(p);
    } catch {
      /* already gone */
    }
  }
  pending.clear();
}

function onSignal(sig: NodeJS.Signals): void {
  // Someone else handles the signal: the process is not dying here, let the write finish.
  if (process.listenerCount(sig) > 1) return;
  removePending();
  // Behave as if we had not been there: the default action ends the process.
  uninstallHooks();
  process.kill(process.pid, sig);
}
const onSigint = () => onSignal('SIGINT');
const onSigterm = () => onSignal('SIGTERM');

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  process.on('exit', removePending);
}

function uninstallHooks(): void {
  if (!hooksInstalled) return;
  hooksInstalled = false;
  process.removeListener('SIGINT', onSigint);
  process.removeListener('SIGTERM', onSigterm);
  process.removeListener('exit', removePending);
}

/** Remove every temporary file still being written (for the CLI's own interrupt handler). */
export function removePendingTempFiles(): void {
  removePending();
}

/** Temporary files currently open (for tests). */
export function pendingTempFiles(): string[] {
  return [...pending];
}

function ioError(what: string, path: string, e: unknown): KonsekiError {
  const code = (e as NodeJS.ErrnoException).code;
  return new KonsekiError(ErrorCodes.IO, `${what}: ${code ?? (e as Error).message}`, { file: path });
}

export class AtomicFile {
  private done = false;

  private constructor(
    readonly path: string,
    readonly tempPath: string,
    private readonly fh: FileHandle,
  ) {}

  /**
   * Create the temporary file next to `path`.
   * @throws KonsekiError ERR_IO when the folder is not writable.
   */
  static async open(path: string): Promise<AtomicFile> {
    const target = resolve(path);
    const tempPath = join(dirname(target), `.${basename(target)}.konseki-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    let fh: FileHandle;
    try {
      fh = await open(tempPath, 'wx', 0o666);
    } catch (e) {
      throw ioError('Cannot create the output file', target, e);
    }
    pending.add(tempPath);
    installHooks();
    return new AtomicFile(target, tempPath, fh);
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    try {
      if (typeof chunk === 'string') await this.fh.write(chunk, null, 'utf8');
      else await this.fh.write(chunk);
    } catch (e) {
      await this.abort();
      throw ioError('Cannot write the output file', this.path, e);
    }
  }

  /** Flush, close and rename over the target. */
  async commit(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      await this.fh.sync();
      await this.fh.close();
      await rename(this.tempPath, this.path);
    } catch (e) {
      await unlink(this.tempPath).catch(() => undefined);
      throw ioError('Cannot finish the output file', this.path, e);
    } finally {
      this.forget();
    }
  }

  /** Close and delete the temporary file; the target is left as it was. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.fh.close().catch(() => undefined);
    await unlink(this.tempPath).catch(() => undefined);
    this.forget();
  }

  private forget(): void {
    pending.delete(this.tempPath);
    if (pending.size === 0) uninstallHooks();
  }
}

/** Write a whole file atomically. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const f = await AtomicFile.open(path);
  await f.write(data);
  await f.commit();
}

/** Synchronous check that a folder accepts new files (for early, clear errors). */
export function assertWritableFolder(path: string): void {
  const probe = join(dirname(resolve(path)), `.konseki-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (e) {
    throw ioError('Cannot write to the output folder', dirname(resolve(path)), e);
  }
}
