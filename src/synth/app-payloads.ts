/** Application payloads for the generators: DNS messages, TLS ClientHello, HTTP. */

function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const label of name.split('.')) {
    if (!label) continue;
    const b = Buffer.from(label, 'ascii');
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** A DNS query (RD set) for `name` of type `qtype` (1 A, 28 AAAA, 16 TXT). */
export function dnsQuery(id: number, name: string, qtype = 1): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2);
  h.writeUInt16BE(1, 4);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(qtype, 0);
  q.writeUInt16BE(1, 2);
  return Buffer.concat([h, encodeName(name), q]);
}

/** A DNS response with A records (compressed owner names pointing at the question). */
export function dnsResponse(id: number, name: string, addrs: string[], ttl = 300, rcode = 0): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x8180 | rcode, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(addrs.length, 6);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(1, 0);
  q.writeUInt16BE(1, 2);
  const answers: Buffer[] = [];
  for (const a of addrs) {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(1, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    const p = a.split('.').map(Number);
    for (let i = 0; i < 4; i++) rr[12 + i] = p[i];
    answers.push(rr);
  }
  return Buffer.concat([h, encodeName(name), q, ...answers]);
}

function ext(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(body.length, 2);
  return Buffer.concat([h, body]);
}

/** A TLS 1.2/1.3 ClientHello record with SNI, supported_versions and ALPN. */
export function tlsClientHello(serverName: string, random: Buffer, alpn: string[] = ['h2', 'http/1.1']): Buffer {
  const sniName = Buffer.from(serverName, 'ascii');
  const sniList = Buffer.alloc(3 + sniName.length);
  sniList[0] = 0;
  sniList.writeUInt16BE(sniName.length, 1);
  sniName.copy(sniList, 3);
  const sniBody = Buffer.concat([Buffer.from([(sniList.length >> 8) & 0xff, sniList.length & 0xff]), sniList]);
  const alpnItems = Buffer.concat(alpn.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])));
  const alpnBody = Buffer.concat([Buffer.from([(alpnItems.length >> 8) & 0xff, alpnItems.length & 0xff]), alpnItems]);
  const exts = Buffer.concat([
    ext(0, sniBody),
    ext(10, Buffer.from([0, 4, 0x00, 0x1d, 0x00, 0x17])), // supported_groups: x25519, secp256r1
    ext(11, Buffer.from([1, 0])), // ec_point_formats: uncompressed
    ext(13, Buffer.from([0, 4, 0x04, 0x03, 0x08, 0x04])), // signature_algorithms
    ext(16, alpnBody),
    ext(43, Buffer.from([4, 0x03, 0x04, 0x03, 0x03])), // supported_versions: TLS 1.3, 1.2
  ]);
  const ciphers = Buffer.from([0, 6, 0x13, 0x01, 0xc0, 0x2f, 0xc0, 0x2b]);
  const body = Buffer.concat([
    Buffer.from([0x03, 0x03]),
    random.subarray(0, 32),
    Buffer.from([0]), // session id
    ciphers,
    Buffer.from([1, 0]), // compression: null
    Buffer.from([(exts.length >> 8) & 0xff, exts.length & 0xff]),
    exts,
  ]);
  const hs = Buffer.concat([Buffer.from([1, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01, (hs.length >> 8) & 0xff, hs.length & 0xff]), hs]);
}

/** A TLS 1.2 ServerHello (cipher TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) + ChangeCipherSpec. */
export function tlsServerHello(random: Buffer): Buffer {
  const body = Buffer.concat([
    Buffer.from([0x03, 0x03]),
    random.subarray(0, 32),
    Buffer.from([0]),
    Buffer.from([0xc0, 0x2f]),
    Buffer.from([0]),
    Buffer.from([0, 0]),
  ]);
  const hs = Buffer.concat([Buffer.from([2, 0, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
  const rec = Buffer.concat([Buffer.from([0x16, 0x03, 0x03, (hs.length >> 8) & 0xff, hs.length & 0xff]), hs]);
  const ccs = Buffer.from([0x14, 0x03, 0x03, 0x00, 0x01, 0x01]);
  return Buffer.concat([rec, ccs]);
}

/** TLS application-data records carrying `len` bytes of (pseudo-random) ciphertext, at most 16 KiB each. */
export function tlsAppData(len: number, rnd: () => number): Buffer {
  const parts: Buffer[] = [];
  for (let left = len; left > 0; ) {
    const n = Math.min(left, 16384);
    const b = Buffer.alloc(5 + n);
    b[0] = 0x17;
    b[1] = 0x03;
    b[2] = 0x03;
    b.writeUInt16BE(n, 3);
    for (let i = 5; i < b.length; i++) b[i] = (rnd() * 256) | 0;
    parts.push(b);
    left -= n;
  }
  return Buffer.concat(parts);
}
