/** Small pure helpers of the HTTP analyzer (RFC 9110/9112), kept apart so they can be tested alone. */

/** Request methods accepted when classifying a stream as HTTP (Zeek's HTTP::http_methods plus WebDAV). */
export const HTTP_METHODS: ReadonlySet<string> = new Set([
  'GET', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE', 'CONNECT', 'PATCH',
  'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'POLL', 'REPORT',
  'SUBSCRIBE', 'BMOVE', 'SEARCH',
]);

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes to text: ASCII/Latin-1 fast path, UTF-8 when the bytes are valid UTF-8. */
export function text(buf: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (buf[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
  }
}

/**
 * %XX-decode a URI the way Zeek's unescape_URI does for http.log `uri`: valid escapes become
 * bytes, anything else is kept as written.
 */
export function unescapeUri(buf: Uint8Array, start: number, end: number): string {
  let hasPct = false;
  for (let i = start; i < end; i++) {
    if (buf[i] === 0x25) {
      hasPct = true;
      break;
    }
  }
  if (!hasPct) return text(buf, start, end);
  const out = new Uint8Array(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c === 0x25 && i + 2 < end) {
      const h = hexVal(buf[i + 1]);
      const l = hexVal(buf[i + 2]);
      if (h >= 0 && l >= 0) {
        out[n++] = (h << 4) | l;
        i += 2;
        continue;
      }
    }
    out[n++] = c;
  }
  return text(out, 0, n);
}

/** `type/subtype` of a Content-Type value, lower-cased, parameters dropped; null when empty. */
export function mimeOf(contentType: string): string | null {
  const semi = contentType.indexOf(';');
  const t = (semi >= 0 ? contentType.slice(0, semi) : contentType).trim().toLowerCase();
  return t.length > 0 ? t : null;
}

/** `filename` (or RFC 5987 `filename*`) parameter of a Content-Disposition value. */
export function dispositionFilename(value: string): string | null {
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(value);
  if (star) {
    try {
      return decodeURIComponent(star[2].trim());
    } catch {
      return star[2].trim();
    }
  }
  const m = /filename\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]+)/i.exec(value);
  if (!m) return null;
  const v = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[1].trim();
  return v.length > 0 ? v : null;
}

/** Last path segment of a URI when it looks like a file name (`name.ext`), else null. */
export function uriFilename(uri: string): string | null {
  let end = uri.length;
  const q = uri.indexOf('?');
  if (q >= 0) end = q;
  const h = uri.indexOf('#');
  if (h >= 0 && h < end) end = h;
  const path = uri.slice(0, end);
  const slash = path.lastIndexOf('/');
  const seg = path.slice(slash + 1);
  const dot = seg.lastIndexOf('.');
  if (seg.length === 0 || dot <= 0 || dot === seg.length - 1) return null;
  return seg;
}

/**
 * Content sniffing of the first body bytes, for `*_mime_types` (Zeek gets these from libmagic in
 * its file analysis). Only unambiguous signatures; null when unsure (the caller falls back to the
 * Content-Type header).
 */
export function sniffMime(b: Uint8Array, start: number, end: number): string | null {
  const n = end - start;
  if (n < 2) return null;
  const at = (i: number): number => b[start + i];
  if (n >= 8 && at(0) === 0x89 && at(1) === 0x50 && at(2) === 0x4e && at(3) === 0x47) return 'image/png';
  if (n >= 3 && at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'image/jpeg';
  if (n >= 4 && at(0) === 0x47 && at(1) === 0x49 && at(2) === 0x46 && at(3) === 0x38) return 'image/gif';
  if (n >= 4 && at(0) === 0x25 && at(1) === 0x50 && at(2) === 0x44 && at(3) === 0x46) return 'application/pdf';
  if (n >= 4 && at(0) === 0x50 && at(1) === 0x4b && at(2) === 0x03 && at(3) === 0x04) return 'application/zip';
  if (at(0) === 0x1f && at(1) === 0x8b) return 'application/x-gzip';
  if (at(0) === 0x4d && at(1) === 0x5a) return 'application/x-dosexec';
  if (n >= 4 && at(0) === 0x7f && at(1) === 0x45 && at(2) === 0x4c && at(3) === 0x46) return 'application/x-executable';
  // Markup: skip leading white space, look for a tag start.
  let i = 0;
  while (i < n && (at(i) === 0x20 || at(i) === 0x09 || at(i) === 0x0d || at(i) === 0x0a)) i++;
  if (i < n && at(i) === 0x3c) {
    const head = Buffer.from(b.buffer, b.byteOffset + start + i, Math.min(n - i, 64)).toString('latin1').toLowerCase();
    if (head.startsWith('<?xml')) return 'application/xml';
    if (head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<head') || head.startsWith('<!--') || head.startsWith('<script') || head.startsWith('<body') || head.startsWith('<title'))
      return 'text/html';
  }
  return null;
}
