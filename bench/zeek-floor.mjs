// The floor the Zeek benchmarks measure against: gunzip each file and split it into lines in
// Node, nothing else. Shared by zeek-throughput.mjs and analyze-zeek-day.mjs so both use one
// definition.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

/** The same read and inflate sizes as the reader (reader.ts READ_CHUNK_BYTES, GUNZIP_CHUNK_BYTES). */
export const READ_BYTES = 1 << 20;
export const GUNZIP_BYTES = 1 << 20;

/** Gunzips and counts the lines of every file: { lines, bytes } (bytes after inflating). */
export async function gunzipSplitFloor(files) {
  let lines = 0;
  let bytes = 0;
  for (const f of files) {
    const gz = createReadStream(f, { highWaterMark: READ_BYTES }).pipe(createGunzip({ chunkSize: GUNZIP_BYTES }));
    for await (const chunk of gz) {
      bytes += chunk.length;
      let pos = 0;
      for (;;) {
        const nl = chunk.indexOf(10, pos);
        if (nl < 0) break;
        lines++;
        pos = nl + 1;
      }
    }
  }
  return { lines, bytes };
}
