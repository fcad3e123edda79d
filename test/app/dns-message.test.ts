import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { decodeNetbiosName, MAX_NAME_LEN, parseDnsMessage } from '../../src/app/dns/dns-message.js';
import { Weird } from '../../src/app/weird.js';
import { qclassName, qtypeName, rcodeName } from '../../src/app/dns/dns-names.js';

/** Wire name: length-prefixed labels, terminated by the root label. */
function name(n: string): number[] {
  const out: number[] = [];
  for (const l of n.split('.')) {
    out.push(l.length, ...Buffer.from(l, 'latin1'));
  }
  out.push(0);
  return out;
}
const u16 = (v: number): number[] => [v >> 8, v & 0xff];
const u32 = (v: number): number[] => [v >>> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];

function parse(bytes: number[]) {
  const anomalies = new AnomalyCounter();
  const msg = parseDnsMessage(Buffer.from(bytes), 0, bytes.length, new Weird(anomalies));
  return { msg, anomalies };
}

// A reply to "www.example.com A" (answer names keep their case, only the question is lower-cased): header, question, CNAME answer compressed to the question
// name (pointer 0xc00c), then an A answer whose owner points at the CNAME target.
const reply = [
  ...u16(0x1234), // id
  0x81, 0x80, // QR=1 opcode=0 RD=1 RA=1 rcode=0
  ...u16(1), ...u16(2), ...u16(0), ...u16(0), // qd an ns ar
  ...name('WWW.Example.com'), ...u16(1), ...u16(1), // question @12: A IN
  0xc0, 0x0c, ...u16(5), ...u16(1), ...u32(300), ...u16(6), // CNAME, rdata = "cdn" + ptr to example.com (@16)
  3, 0x63, 0x64, 0x6e, 0xc0, 0x10,
  0xc0, 0x2d, ...u16(1), ...u16(1), ...u32(60), ...u16(4), 93, 184, 216, 34, // A for cdn.example.com (@45)
];

describe('parseDnsMessage', () => {
  it('reads header flags, the question (lower-cased) and compressed answers as Zeek renders them', () => {
    const { msg, anomalies } = parse(reply);
    expect(anomalies.total()).toBe(0);
    expect(msg).not.toBeNull();
    expect(msg!.id).toBe(0x1234);
    expect(msg!.qr).toBe(true);
    expect(msg!.rd).toBe(true);
    expect(msg!.ra).toBe(true);
    expect(msg!.qname).toBe('www.example.com');
    expect(msg!.qtype).toBe(1);
    expect(msg!.answers).toEqual(['cdn.Example.com', '93.184.216.34']);
    expect(msg!.ttls).toEqual([300, 60]);
    expect(msg!.firstAnswerName).toBe('WWW.Example.com');
  });

  it('renders TXT as "TXT <len> <text>" per character-string, joined by spaces', () => {
    const txt = [
      ...u16(7), 0x84, 0x00, ...u16(1), ...u16(1), ...u16(0), ...u16(0),
      ...name('t.example'), ...u16(16), ...u16(1),
      0xc0, 0x0c, ...u16(16), ...u16(1), ...u32(5), ...u16(9),
      3, 0x61, 0x62, 0x63, // "abc"
      4, 0x64, 0x65, 0x66, 0x67, // "defg"
    ];
    const { msg } = parse(txt);
    expect(msg!.answers).toEqual(['TXT 3 abc TXT 4 defg']);
    expect(msg!.aa).toBe(true);
  });

  it('renders unknown record types like Zeek and counts them', () => {
    const unk = [
      ...u16(9), 0x80, 0x00, ...u16(1), ...u16(1), ...u16(0), ...u16(0),
      ...name('x.example'), ...u16(999), ...u16(1),
      0xc0, 0x0c, ...u16(999), ...u16(1), ...u32(1), ...u16(2), 0xaa, 0xbb,
    ];
    const { msg, anomalies } = parse(unk);
    expect(msg!.answers).toEqual(['<unknown type=999>']);
    expect(anomalies.get('DNS_RR_unknown_type')).toBe(1);
  });

  it('rejects a compression pointer loop (a pointer to itself) with a counted anomaly', () => {
    const loop = [
      ...u16(1), 0x01, 0x00, ...u16(1), ...u16(0), ...u16(0), ...u16(0),
      0xc0, 0x0c, // name at offset 12 points to offset 12
      ...u16(1), ...u16(1),
    ];
    const { msg, anomalies } = parse(loop);
    expect(msg).toBeNull();
    expect(anomalies.get('DNS_label_forward_compress_offset')).toBe(1);
  });

  it('rejects two pointers that point at each other', () => {
    // Question name "a" + pointer to the answer owner, which points back at the question.
    const mutual = [
      ...u16(1), 0x81, 0x80, ...u16(1), ...u16(1), ...u16(0), ...u16(0),
      1, 0x61, 0xc0, 0x0c, ...u16(1), ...u16(1), // "a" then pointer to 12 (its own start)
    ];
    const { msg, anomalies } = parse(mutual);
    expect(msg).toBeNull();
    expect(anomalies.get('DNS_label_forward_compress_offset')).toBe(1);
  });

  it('counts a header shorter than 12 bytes', () => {
    const { msg, anomalies } = parse([0, 1, 2, 3, 4]);
    expect(msg).toBeNull();
    expect(anomalies.get('DNS_truncated_len_lt_hdr_len')).toBe(1);
  });

  it('counts a label running past the end of the message', () => {
    const cut = [...u16(1), 0x01, 0x00, ...u16(1), ...u16(0), ...u16(0), ...u16(0), 10, 0x61, 0x62];
    const { msg, anomalies } = parse(cut);
    expect(msg).toBeNull();
    expect(anomalies.get('DNS_label_len_gt_pkt')).toBe(1);
  });

  it('keeps the part of the message read before a truncated answer, flagged malformed', () => {
    const cut = reply.slice(0, reply.length - 3);
    const { msg, anomalies } = parse(cut);
    expect(msg!.malformed).toBe(true);
    expect(msg!.answers).toEqual(['cdn.Example.com']);
    expect(anomalies.get('DNS_truncated_RR_rdlength_lt_len')).toBe(1);
  });

  it('cuts names longer than MAX_NAME_LEN (via compression chains) and counts them', () => {
    // 20 questions of 63-byte labels, each pointing to the previous one: the last name is ~1280 bytes.
    const bytes = [...u16(1), 0x01, 0x00, ...u16(20), ...u16(0), ...u16(0), ...u16(0)];
    let prev = -1;
    for (let i = 0; i < 20; i++) {
      const at = bytes.length;
      bytes.push(63, ...Buffer.alloc(63, 0x61 + (i % 26)));
      if (prev < 0) bytes.push(0);
      else bytes.push(0xc0 | (prev >> 8), prev & 0xff);
      bytes.push(...u16(1), ...u16(1));
      prev = at;
    }
    const { msg, anomalies } = parse(bytes);
    expect(msg).not.toBeNull();
    expect(anomalies.get('DNS_NAME_too_long')).toBeGreaterThan(0);
    expect(msg!.qname!.length).toBeLessThanOrEqual(MAX_NAME_LEN);
  });
});

describe('DNS names', () => {
  it('uses Zeek mnemonics and fallbacks', () => {
    expect(qtypeName(1)).toBe('A');
    expect(qtypeName(255)).toBe('*');
    expect(qtypeName(32)).toBe('NIMLOC');
    expect(qtypeName(4242)).toBe('query-4242');
    expect(rcodeName(3)).toBe('NXDOMAIN');
    expect(rcodeName(99)).toBe('rcode-99');
    expect(qclassName(1)).toBe('C_INTERNET');
    expect(qclassName(7)).toBe('qclass-7');
  });

  it('decodes NetBIOS first-level encoding, dropping the type byte and trailing spaces', () => {
    // "WORKGROUP" padded with spaces to 15 bytes, then type 0x00; lower-cased as Zeek passes it.
    const raw = Buffer.alloc(16, 0x20);
    raw.write('WORKGROUP', 'latin1');
    raw[15] = 0;
    let enc = '';
    for (const b of raw) enc += String.fromCharCode(65 + (b >> 4), 65 + (b & 15));
    expect(decodeNetbiosName(enc.toLowerCase())).toBe('WORKGROUP');
    expect(decodeNetbiosName('not-netbios')).toBe('');
  });
});

describe('anomaly samples', () => {
  it('name the connection they came from (uid and 4-tuple)', () => {
    const anomalies = new AnomalyCounter();
    const w = new Weird(anomalies, { origH: '10.0.0.1', origP: 5353, respH: '224.0.0.251', respP: 5353 }, 'Cabc');
    parseDnsMessage(Buffer.from([1, 2, 3]), 0, 3, w);
    expect(anomalies.samples[0].message).toBe('DNS_truncated_len_lt_hdr_len: conn Cabc 10.0.0.1:5353 > 224.0.0.251:5353');
  });
});
