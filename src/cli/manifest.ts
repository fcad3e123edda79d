/**
 * `--manifest FILE`: a JSON record for chain of custody. It holds the SHA-256 and size of
 * every input (streamed, never loaded whole), of the GeoIP databases, the config file and
 * any other file named (indicator files, outputs), the options, the tool and Node versions,
 * and the run's counts. Written atomically like every output.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { KonsekiError, ErrorCodes } from '../core/errors.js';
import type { GeoDbInfo } from '../enrich/geoip.js';
import type { FindingCounts, RunInfo } from '../export/run-info.js';
import { writeFileAtomic } from '../export/atomic-file.js';

export const MANIFEST_SCHEMA = 'konseki-manifest/1';
/** Read size for hashing: large reads keep the hash at disk speed. */
const HASH_CHUNK = 1024 * 1024;

export interface FileDigest {
  /** The path as given. */
  path: string;
  absolutePath: string | null;
  bytes: number | null;
  /** Last modification time, ISO 8601. */
  mtime: string | null;
  sha256: string | null;
  /** Why there is no digest (stdin, unreadable...). */
  note?: string;
}

export interface Manifest {
  schema: string;
  createdAt: string;
  tool: { name: string; version: string; node: string; platform: string; arch: string };
  command: string[];
  options: Record<string, unknown>;
  config: FileDigest | null;
  inputs: (FileDigest & { format: string | null; error?: string | null })[];
  geoip: (GeoDbInfo & { sha256: string | null; bytes: number | null })[];
  files: (FileDigest & { role: string })[];
  run: {
    startedAt: string;
    endedAt: string | null;
    interrupted: boolean;
    packets: { read: number; skipped: number };
    lines: { read: number; skipped: number };
    flows: number;
    findings: FindingCounts;
    skipReasons: Record<string, number>;
  };
}

/**
 * SHA-256 of a file, streamed.
 * @param onBytes called with the running byte count (for progress)
 */
export async function sha256File(path: string, onBytes?: (n: number) => void): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let total = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: HASH_CHUNK })) {
      h.update(chunk as Buffer);
      total += (chunk as Buffer).length;
      onBytes?.(total);
    }
  } catch (e) {
    throw new KonsekiError(ErrorCodes.IO, `Cannot read the file to hash it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      file: path,
    });
  }
  return { sha256: h.digest('hex'), bytes: total };
}

/** Digest of one file; a file that cannot be read gets a note instead of failing the manifest. */
export async function digestFile(path: string, onBytes?: (n: number) => void): Promise<FileDigest> {
  if (path === '-') return { path, absolutePath: null, bytes: null, mtime: null, sha256: null, note: 'read from standard input: not hashed' };
  const absolutePath = resolve(path);
  try {
    const st = await stat(absolutePath);
    const { sha256, bytes } = await sha256File(absolutePath, onBytes);
    return { path, absolutePath, bytes, mtime: st.mtime.toISOString(), sha256 };
  } catch (e) {
    return { path, absolutePath, bytes: null, mtime: null, sha256: null, note: (e as Error).message };
  }
}

/**
 * Build the manifest of a run. Hashes every input (and fills `run.inputs[i].sha256`, so the
 * HTML report shows them), the GeoIP databases, the config file and `files`.
 * @param files other files to record, e.g. `{ role: 'indicators', path }`, `{ role: 'output', path }`
 */
export async function buildManifest(
  run: RunInfo,
  opts: { files?: { role: string; path: string }[]; onBytes?: (path: string, n: number) => void } = {},
): Promise<Manifest> {
  const inputs: Manifest['inputs'] = [];
  for (const i of run.inputs) {
    const d = await digestFile(i.path, opts.onBytes ? (n) => opts.onBytes!(i.path, n) : undefined);
    i.sha256 = d.sha256;
    inputs.push({ ...d, format: i.format, error: i.error ?? null });
  }
  const geoip: Manifest['geoip'] = [];
  for (const g of run.geoip) {
    const d = await digestFile(g.path);
    geoip.push({ ...g, sha256: d.sha256, bytes: d.bytes });
  }
  const files: Manifest['files'] = [];
  for (const f of opts.files ?? []) files.push({ role: f.role, ...(await digestFile(f.path)) });
  return {
    schema: MANIFEST_SCHEMA,
    createdAt: new Date().toISOString(),
    tool: { name: run.tool, version: run.version, node: run.node, platform: process.platform, arch: process.arch },
    command: run.command,
    options: run.options,
    config: run.configPath ? await digestFile(run.configPath) : null,
    inputs,
    geoip,
    files,
    run: {
      startedAt: new Date(run.startedAt).toISOString(),
      endedAt: run.endedAt !== null ? new Date(run.endedAt).toISOString() : null,
      interrupted: run.interrupted === true,
      packets: run.packets,
      lines: run.lines,
      flows: run.flows,
      findings: run.findings,
      skipReasons: run.skipReasons,
    },
  };
}

/** Write the manifest as pretty JSON, atomically. */
export async function writeManifest(path: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(manifest, null, 2) + '\n');
}
