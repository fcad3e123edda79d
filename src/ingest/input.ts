/**
 * Opens an input (a path, or '-' for standard input) as a stream of large chunks, and
 * gunzips it on the fly when its first bytes are the gzip magic (1f 8b), whatever its
 * name. The consumer sees decompressed bytes; offsets in messages are decompressed offsets.
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ErrorCodes, KonsekiError } from '../core/errors.js';

/** Default read size: 4 MiB, the top of the 1-4 MiB range that amortises per-chunk costs. */
export const DEFAULT_CHUNK_SIZE = 4 << 20;
/** Output chunk of the gunzip stream (its default of 16 KiB would split records far more often). */
export const GUNZIP_CHUNK_SIZE = 1 << 20;

export interface InputInfo {
  /** The name used in messages ('-' for standard input). */
  name: string;
  /** True when the input was gzip-compressed. */
  compressed: boolean;
  /** Bytes yielded so far (decompressed). */
  bytes: number;
}

/**
 * Read buffers of a plain file, recycled: the consumer hands a chunk back with `release`
 * once nothing references it, and the next read fills it again. Without it every 4 MiB
 * read is a fresh buffer that only the GC's external-memory pressure frees, which by
 * itself holds some 60 MB of dead chunks at any moment (measured on a 2 GB capture).
 *
 * Only buffers this pool made are taken back, so a chunk from elsewhere (gunzip output,
 * standard input) can never be recycled by mistake.
 */
export class ChunkPool {
  /** Free buffers kept; the reader needs 3 at most (one parsed, one read ahead, one spare). */
  static readonly MAX_FREE = 4;
  private readonly free: Buffer[] = [];
  private readonly mine = new WeakSet<Buffer>();

  /** @param size length of every buffer (the read size) */
  constructor(readonly size: number) {}

  /** A free buffer, or a new one. */
  get(): Buffer {
    const b = this.free.pop();
    if (b !== undefined) return b;
    const n = Buffer.allocUnsafeSlow(this.size);
    this.mine.add(n);
    return n;
  }

  /**
   * Gives a chunk back. The caller guarantees nothing reads it any more: the capture
   * parser calls this when its queue has consumed the chunk, after which only the packet
   * callback already running may still look at it (PacketMeta's contract: copy what you keep).
   */
  readonly release = (chunk: Buffer): void => {
    if (this.mine.has(chunk) && this.free.length < ChunkPool.MAX_FREE && !this.free.includes(chunk)) this.free.push(chunk);
  };
}

/**
 * Sequential reads of an open file, one read ahead: the next read runs on the thread pool
 * while the consumer parses the current chunk. Buffers come from `pool` while `usePool()`
 * is true; a chunk is the whole buffer except for the last, short one.
 */
async function* fileChunks(fh: FileHandle, size: number, pool: ChunkPool, usePool: () => boolean): AsyncGenerator<Buffer> {
  const next = () => {
    const buf = usePool() ? pool.get() : Buffer.allocUnsafeSlow(size);
    return fh.read(buf, 0, size, null).then((r) => (r.bytesRead === size ? buf : buf.subarray(0, r.bytesRead)));
  };
  let pending = next();
  for (;;) {
    const chunk = await pending;
    if (chunk.length === 0) return;
    // Read ahead only once the consumer asked for more: by then it is done with every
    // chunk it released, so a recycled buffer is free to fill.
    pending = next();
    pending.catch(() => {}); // surfaced by the await above on the next turn
    yield chunk;
  }
}

/**
 * Reads an input as decompressed chunks. Errors come out of the iteration as KonsekiError:
 * ERR_IO (cannot open or read) or ERR_GZIP (corrupt or truncated gzip data), naming the file
 * and the decompressed byte offset reached. Breaking out of the loop closes the file.
 * @param source a path, or '-' for standard input
 * @param info filled while reading (compressed flag, byte count)
 * @param chunkSize read size (1-4 MiB recommended)
 * @param stdin the stream '-' stands for (default: file descriptor 0, read in `chunkSize` pieces)
 * @param pool when given, plain files are read into its recycled buffers (see ChunkPool)
 */
export async function* readInputChunks(
  source: string,
  info: InputInfo,
  chunkSize: number = DEFAULT_CHUNK_SIZE,
  stdin?: Readable,
  pool?: ChunkPool,
): AsyncGenerator<Buffer, void, undefined> {
  let stream: Readable | undefined;
  let fh: FileHandle | undefined;
  let rawIter: AsyncIterator<Buffer>;
  let gunzip: ReturnType<typeof createGunzip> | undefined;
  let compressedSource: Readable | undefined;
  try {
    if (source === '-') {
      stream = stdin ?? createReadStream('', { fd: 0, highWaterMark: chunkSize, autoClose: false });
      rawIter = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    } else {
      fh = await open(source, 'r');
      // Recycled buffers only for plain data: zlib may still hold its input when we read on.
      rawIter = fileChunks(fh, chunkSize, pool ?? new ChunkPool(chunkSize), () => pool !== undefined && !info.compressed);
    }
    // Collect at least 2 bytes to look for the gzip magic (a pipe may deliver 1 byte).
    const first: Buffer[] = [];
    let firstLen = 0;
    let rawDone = false;
    while (firstLen < 2) {
      const r = await rawIter.next();
      if (r.done) {
        rawDone = true;
        break;
      }
      first.push(r.value);
      firstLen += r.value.length;
    }
    const head = first.length === 1 ? first[0] : Buffer.concat(first, firstLen);
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
      info.compressed = true;
      const it = rawIter;
      const source = (compressedSource = Readable.from(
        (async function* () {
          yield head;
          if (rawDone) return;
          for (;;) {
            const r = await it.next();
            if (r.done) return;
            yield r.value;
          }
        })(),
        { objectMode: false },
      ));
      gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_SIZE });
      const gz = gunzip;
      source.on('error', (e) => gz.destroy(e));
      source.pipe(gz);
      for await (const chunk of gz as AsyncIterable<Buffer>) {
        info.bytes += chunk.length;
        yield chunk;
      }
      return;
    }
    if (head.length > 0) {
      info.bytes += head.length;
      yield head;
    }
    if (rawDone) return;
    for (;;) {
      const r = await rawIter.next();
      if (r.done) return;
      info.bytes += r.value.length;
      yield r.value;
    }
  } catch (e) {
    throw toInputError(e, info);
  } finally {
    compressedSource?.destroy();
    gunzip?.destroy();
    stream?.destroy();
    await fh?.close().catch(() => {});
  }
}

/** Maps a Node I/O or zlib error to a KonsekiError naming the file. */
export function toInputError(e: unknown, info: InputInfo): KonsekiError {
  if (e instanceof KonsekiError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : '';
  if (code.startsWith('Z_') || code === 'ERR_ZLIB_INITIALIZATION_FAILED') {
    const what = err.message === 'unexpected end of file' ? 'gzip data is truncated' : `gzip data is corrupt (${err.message})`;
    return new KonsekiError(ErrorCodes.GZIP, `Cannot decompress: ${what}, after ${info.bytes} decompressed bytes`, {
      file: info.name,
      offset: info.bytes,
    });
  }
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'it is a directory'
        : code === 'EACCES'
          ? 'permission denied'
          : (err?.message ?? String(e));
  return new KonsekiError(ErrorCodes.IO, `Cannot read input: ${reason}`, { file: info.name });
}
