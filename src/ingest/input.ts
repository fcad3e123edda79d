/**
 * Opens an input (a path, or '-' for standard input) as a stream of large chunks, and
 * gunzips it on the fly when its first bytes are the gzip magic (1f 8b), whatever its
 * name. The consumer sees decompressed bytes; offsets in messages are decompressed offsets.
 */
import { createReadStream } from 'node:fs';
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
 * Reads an input as decompressed chunks. Errors come out of the iteration as KonsekiError:
 * ERR_IO (cannot open or read) or ERR_GZIP (corrupt or truncated gzip data), naming the file
 * and the decompressed byte offset reached. Breaking out of the loop closes the file.
 * @param source a path, or '-' for standard input
 * @param info filled while reading (compressed flag, byte count)
 * @param chunkSize read size (1-4 MiB recommended)
 * @param stdin the stream '-' stands for (default: file descriptor 0, read in `chunkSize` pieces)
 */
export async function* readInputChunks(
  source: string,
  info: InputInfo,
  chunkSize: number = DEFAULT_CHUNK_SIZE,
  stdin?: Readable,
): AsyncGenerator<Buffer, void, undefined> {
  const raw: Readable =
    source === '-'
      ? (stdin ?? createReadStream('', { fd: 0, highWaterMark: chunkSize, autoClose: false }))
      : createReadStream(source, { highWaterMark: chunkSize });
  let rawIter: AsyncIterator<Buffer> | undefined;
  let gunzip: ReturnType<typeof createGunzip> | undefined;
  let compressedSource: Readable | undefined;
  try {
    rawIter = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
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
    raw.destroy();
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
