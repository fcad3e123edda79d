/** Hand-built TLS messages for the tests (RFC 8446 / RFC 5246 layouts, annotated). */

export const u8 = (v: number): number[] => [v & 0xff];
export const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
export const u24 = (v: number): number[] => [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];

/** Extension: type(2) length(2) data. */
export function ext(type: number, data: number[]): number[] {
  return [...u16(type), ...u16(data.length), ...data];
}

/** 2-byte-length vector of 16-bit values. */
export function list16(vals: number[]): number[] {
  return [...u16(vals.length * 2), ...vals.flatMap(u16)];
}

export interface HelloSpec {
  version?: number;
  sessionId?: number[];
  ciphers: number[];
  extensions: number[][];
}

/** ClientHello handshake message (with its 4-byte header). */
export function clientHello(s: HelloSpec): number[] {
  const sid = s.sessionId ?? [];
  const exts = s.extensions.flat();
  const body = [
    ...u16(s.version ?? 0x0303),
    ...new Array(32).fill(0x11), // random
    ...u8(sid.length), ...sid,
    ...list16(s.ciphers),
    1, 0, // compression methods: null
    ...u16(exts.length), ...exts,
  ];
  return [1, ...u24(body.length), ...body];
}

/** ServerHello handshake message. */
export function serverHello(cipher: number, extensions: number[][] = [], sessionId: number[] = [], version = 0x0303): number[] {
  const exts = extensions.flat();
  const body = [...u16(version), ...new Array(32).fill(0x22), ...u8(sessionId.length), ...sessionId, ...u16(cipher), 0, ...u16(exts.length), ...exts];
  return [2, ...u24(body.length), ...body];
}

/** TLS record: type(1) version(2) length(2) fragment. */
export function record(type: number, fragment: number[], version = 0x0303): number[] {
  return [type, ...u16(version), ...u16(fragment.length), ...fragment];
}

/** SNI extension with one host_name. */
export function sni(host: string): number[] {
  const h = [...Buffer.from(host, 'latin1')];
  const entry = [0, ...u16(h.length), ...h];
  return ext(0, [...u16(entry.length), ...entry]);
}

/** ALPN extension. */
export function alpn(protos: string[]): number[] {
  const l = protos.flatMap((p) => [p.length, ...Buffer.from(p, 'latin1')]);
  return ext(16, [...u16(l.length), ...l]);
}

/**
 * The ClientHello of the worked example in FoxIO's JA4 specification (technical_details/JA4.md):
 * 15 ciphers + GREASE, 16 extensions + GREASE, ALPN h2, TLS 1.3 offered, SNI present.
 * Its JA4 is t13d1516h2_8daaf6152771_e5627efa2ab1.
 */
export function ja4ExampleHello(host = 'example.com'): number[] {
  return clientHello({
    ciphers: [0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035],
    extensions: [
      ext(0x1a1a, []), // GREASE
      sni(host),
      ext(0x0017, []),
      ext(0xff01, [0]),
      ext(0x000a, list16([0x2a2a, 29, 23, 24])), // supported_groups (GREASE first)
      ext(0x000b, [1, 0]), // ec_point_formats: uncompressed
      ext(0x0023, []),
      alpn(['h2', 'http/1.1']),
      ext(0x0005, [1, 0, 0, 0, 0]),
      ext(0x000d, list16([0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601])),
      ext(0x0012, []),
      ext(0x0033, [...u16(6), ...u16(0x3a3a), ...u16(1), 0]), // key_share (GREASE entry)
      ext(0x002d, [1, 1]),
      ext(0x002b, [6, ...u16(0x4a4a), ...u16(0x0304), ...u16(0x0303)]), // supported_versions
      ext(0x001b, [2, 0, 2]),
      ext(0x4469, [0, 3, 2, 0x68, 0x32]),
      ext(0x0015, new Array(10).fill(0)), // padding
      ext(0x5a5a, [0]), // GREASE
    ],
  });
}
