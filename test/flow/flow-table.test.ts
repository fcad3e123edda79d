/**
 * Flow table behaviour on synthetic captures (built with src/synth, read through the real
 * reader and decoder): Zeek's originator choice, states, history, byte counting, timeouts,
 * the live-flow cap and the application hook.
 */
import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { DecodeStatus } from '../../src/core/packet.js';
import { APP_ORIG_ONLY, type AppAnalyzer, type AppAnalyzerFactory, type ConnRecord } from '../../src/core/records.js';
import { FlowTable, type FlowTableOptions } from '../../src/flow/flow-table.js';
import { readCaptureBuffer } from '../../src/ingest/capture-reader.js';
import { PacketDecoder } from '../../src/ingest/decode/packet-decoder.js';
import { buildFrame, TcpConversation, udpFrame, type FrameSpec } from '../../src/synth/packet-builder.js';
import { PcapBuffer } from '../../src/synth/pcap-writer.js';

const C = '10.0.0.1';
const S = '192.0.2.80';

class Cap {
  readonly pcap = new PcapBuffer();
  add = (ts: number, frame: Buffer): void => this.pcap.add(ts, frame);
  tcp(ts: number, fromClient: boolean, flags: number, seq: number, ack: number, payload?: Buffer, cport = 40000, sport = 80): void {
    const spec: FrameSpec = {
      src: fromClient ? C : S,
      dst: fromClient ? S : C,
      proto: 6,
      sport: fromClient ? cport : sport,
      dport: fromClient ? sport : cport,
      seq,
      ack,
      flags,
      payload,
    };
    this.add(ts, buildFrame(spec));
  }
}

function run(cap: Cap, opts: Partial<FlowTableOptions> = {}): { conns: ConnRecord[]; table: FlowTable; anomalies: AnomalyCounter; emittedAt: number[] } {
  const anomalies = new AnomalyCounter();
  const conns: ConnRecord[] = [];
  const emittedAt: number[] = [];
  let packets = 0;
  const table = new FlowTable({ emit: (c) => (conns.push(c), emittedAt.push(packets)), anomalies, ...opts });
  const decoder = new PacketDecoder(anomalies);
  readCaptureBuffer(cap.pcap.toBuffer(), 'synthetic.pcap', 0, (m, st) => {
    expect(st).toBe(DecodeStatus.Ip);
    packets++;
    table.addPacket(m);
  }, { anomalies, decoder });
  table.flush();
  return { conns, table, anomalies, emittedAt };
}

const data = (n: number, fill = 0x41): Buffer => Buffer.alloc(n, fill);
const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;
const RST = 0x04;

describe('TCP', () => {
  it('a full connection: SF, history, payload bytes from sequence numbers', () => {
    const cap = new Cap();
    const conv = new TcpConversation(cap.add, C, 40000, S, 80);
    let t = conv.handshake(100);
    t = conv.send(true, t, data(300));
    t = conv.send(false, t, data(3000));
    conv.close(t + 0.1);
    const { conns } = run(cap);
    expect(conns.length).toBe(1);
    const c = conns[0];
    expect([c.origH, c.origP, c.respH, c.respP, c.proto]).toEqual([C, 40000, S, 80, 'tcp']);
    expect(c.connState).toBe('SF');
    expect(c.history).toBe('ShADadFf');
    expect(c.origBytes).toBe(300);
    expect(c.respBytes).toBe(3000);
    // handshake 3, 300 B: 1 segment + 1 ack, 3000 B: 3 segments + 2 acks, close 3
    expect(c.origPkts + c.respPkts).toBe(3 + 2 + 5 + 3);
    expect(c.missedBytes).toBe(0);
    expect(c.communityId).toMatch(/^1:[A-Za-z0-9+/]+=*$/);
  });

  it('a rejected attempt is REJ with history Sr', () => {
    const cap = new Cap();
    new TcpConversation(cap.add, C, 40001, S, 81).rejected(5);
    const [c] = run(cap).conns;
    expect(c.connState).toBe('REJ');
    expect(c.history).toBe('Sr');
  });

  it('retransmitted data is counted once and logged as T', () => {
    const cap = new Cap();
    cap.tcp(1, true, SYN, 1000, 0);
    cap.tcp(1.01, false, SYN | ACK, 5000, 1001);
    cap.tcp(1.02, true, ACK, 1001, 5001);
    cap.tcp(1.03, true, ACK | PSH, 1001, 5001, data(100));
    cap.tcp(1.5, true, ACK | PSH, 1001, 5001, data(100)); // retransmission
    cap.tcp(1.51, false, ACK, 5001, 1101);
    const [c] = run(cap).conns;
    expect(c.origBytes).toBe(100);
    expect(c.history).toBe('ShADTa');
    expect(c.connState).toBe('S1');
    expect(c.origPkts).toBe(4);
  });

  it('counts bytes across the 32-bit sequence wrap', () => {
    const cap = new Cap();
    const isn = 0xffffff00;
    cap.tcp(1, true, SYN, isn, 0);
    cap.tcp(1.01, false, SYN | ACK, 5000, (isn + 1) >>> 0);
    cap.tcp(1.02, true, ACK, (isn + 1) >>> 0, 5001);
    let seq = (isn + 1) >>> 0;
    for (let i = 0; i < 4; i++) {
      cap.tcp(1.03 + i * 0.01, true, ACK | PSH, seq, 5001, data(200));
      seq = (seq + 200) >>> 0;
      cap.tcp(1.035 + i * 0.01, false, ACK, 5001, seq);
    }
    cap.tcp(2, true, FIN | ACK, seq, 5001);
    cap.tcp(2.01, false, FIN | ACK, 5001, (seq + 1) >>> 0);
    cap.tcp(2.02, true, ACK, (seq + 1) >>> 0, 5002);
    const [c] = run(cap).conns;
    expect(c.origBytes).toBe(800);
    expect(c.respBytes).toBe(0);
    expect(c.missedBytes).toBe(0);
    expect(c.history).toBe('ShADaFf');
    expect(c.connState).toBe('SF');
  });

  it('a connection seen from the middle counts its bytes from the first segment seen', () => {
    const cap = new Cap();
    cap.tcp(1, true, ACK | PSH, 777000, 555000, data(100));
    cap.tcp(1.01, false, ACK | PSH, 555000, 777100, data(300));
    cap.tcp(1.02, true, ACK, 777100, 555300);
    const [c] = run(cap).conns;
    expect([c.origBytes, c.respBytes]).toEqual([100, 300]);
    expect(c.history).toBe('DdA');
    expect(c.connState).toBe('OTH');
  });

  it('a zero window advertised by the responder is logged as w', () => {
    const cap = new Cap();
    cap.tcp(1, true, SYN, 1000, 0);
    cap.tcp(1.01, false, SYN | ACK, 5000, 1001);
    cap.tcp(1.02, true, ACK, 1001, 5001);
    cap.add(
      1.03,
      buildFrame({ src: S, dst: C, proto: 6, sport: 80, dport: 40000, seq: 5001, ack: 1001, flags: ACK, win: 0 }),
    );
    const [c] = run(cap).conns;
    expect(c.history).toBe('ShAaw');
  });

  it('a hole acked by the peer is a content gap: missed_bytes and G', () => {
    const cap = new Cap();
    cap.tcp(1, true, SYN, 1000, 0);
    cap.tcp(1.01, false, SYN | ACK, 5000, 1001);
    cap.tcp(1.02, true, ACK, 1001, 5001);
    cap.tcp(1.03, true, ACK | PSH, 1001, 5001, data(100));
    // 1101..1300 never captured
    cap.tcp(1.05, true, ACK | PSH, 1301, 5001, data(50));
    cap.tcp(1.06, false, ACK, 5001, 1351);
    const [c] = run(cap).conns;
    expect(c.missedBytes).toBe(200);
    expect(c.origBytes).toBe(350);
    expect(c.history).toBe('ShADaG');
  });

  it('a SYN-ACK first from a server port flips the roles (^h)', () => {
    const cap = new Cap();
    cap.tcp(1, false, SYN | ACK, 5000, 1001);
    const [c] = run(cap).conns;
    expect([c.origH, c.origP, c.respP]).toEqual([C, 40000, 80]);
    expect(c.history).toBe('^h');
    expect(c.origPkts).toBe(0);
    expect(c.respPkts).toBe(1);
  });

  it('a SYN-ACK first between non-server ports flips once productive traffic follows (H -> ^hA)', () => {
    const cap = new Cap();
    cap.tcp(1, false, SYN | ACK, 5000, 1001, undefined, 12345, 54321); // from S:54321 to C:12345
    cap.tcp(1.01, true, ACK, 1001, 5001, undefined, 12345, 54321); // C acks
    const [c] = run(cap).conns;
    expect([c.origH, c.origP, c.respH, c.respP]).toEqual([C, 12345, S, 54321]);
    expect(c.history).toBe('^hA');
    expect([c.origPkts, c.respPkts]).toEqual([1, 1]);
    expect(c.connState).toBe('OTH');
  });

  it('an unanswered SYN is given up after 5 s (tcp_attempt_delay): later SYNs start a new connection', () => {
    const cap = new Cap();
    cap.tcp(10, true, SYN, 1000, 0);
    cap.tcp(13, true, SYN, 1000, 0); // retransmission, same ISN: same connection, no new letter
    cap.tcp(19, true, SYN, 1000, 0); // after the attempt timer
    const { conns, table } = run(cap);
    expect(conns.length).toBe(2);
    expect(conns[0].history).toBe('S');
    expect(conns[0].origPkts).toBe(2);
    expect(conns[0].connState).toBe('S0');
    expect(conns[1].origPkts).toBe(1);
    expect(conns[0].uid).not.toBe(conns[1].uid);
    expect(table.stats.closedTcp).toBe(1);
  });

  it('a closed connection lingers 5 s (tcp_close_delay), then the 5-tuple is new again', () => {
    const cap = new Cap();
    const conv = new TcpConversation(cap.add, C, 40002, S, 80);
    let t = conv.handshake(1);
    t = conv.close(t + 0.1);
    cap.tcp(t + 2, true, ACK, 1002, 5002, undefined, 40002); // late ACK within the delay: same connection
    cap.tcp(t + 20, true, ACK, 1002, 5002, undefined, 40002); // long after: a new, partial connection
    const { conns } = run(cap);
    expect(conns.length).toBe(2);
    expect(conns[0].connState).toBe('SF');
    expect(conns[0].origPkts).toBe(5);
    expect(conns[1].history).toBe('A');
    expect(conns[1].connState).toBe('OTH');
    expect(conns[1].openAtEnd).toBe(true);
  });

  it('a new SYN on the 5-tuple of a closed connection starts a new connection (reuse)', () => {
    const cap = new Cap();
    const a = new TcpConversation(cap.add, C, 40004, S, 80, { client: 1000, server: 5000 });
    let t = a.handshake(1);
    t = a.close(t + 0.1);
    const b = new TcpConversation(cap.add, C, 40004, S, 80, { client: 90000, server: 7000 });
    b.handshake(t + 1); // within tcp_close_delay, but a SYN with a new ISN
    const { conns, table } = run(cap);
    expect(conns.length).toBe(2);
    expect(conns[0].history).toBe('ShAFf');
    expect(conns[1].history).toBe('ShA');
    expect(table.stats.reused).toBe(1);
  });

  it('a RST after data from the originator is RSTO', () => {
    const cap = new Cap();
    const conv = new TcpConversation(cap.add, C, 40003, S, 80);
    let t = conv.handshake(1);
    t = conv.send(true, t, data(10));
    conv.reset(t + 1, true);
    const [c] = run(cap).conns;
    expect(c.connState).toBe('RSTO');
    expect(c.history).toBe('ShADaR');
  });
});

describe('UDP and ICMP', () => {
  it('a DNS answer seen first is flipped to its client (^d)', () => {
    const cap = new Cap();
    cap.add(1, udpFrame(S, 53, C, 33000, data(40)));
    cap.add(1.5, udpFrame(C, 33000, S, 53, data(20)));
    const [c] = run(cap).conns;
    expect([c.origH, c.origP, c.respH, c.respP]).toEqual([C, 33000, S, 53]);
    expect(c.history).toBe('^dD');
    expect(c.connState).toBe('SF');
    expect([c.origBytes, c.respBytes]).toEqual([20, 40]);
  });

  it('one datagram: no duration, no byte counts (Zeek sets them only when duration > 0)', () => {
    const cap = new Cap();
    cap.add(1, udpFrame(C, 5353, '224.0.0.251', 5353, data(30)));
    const [c] = run(cap).conns;
    expect(c.duration).toBeNull();
    expect(c.origBytes).toBeNull();
    expect(c.connState).toBe('S0');
    expect(c.origIpBytes).toBe(20 + 8 + 30);
  });

  it('UDP inactivity timeout (1 min) ends a flow before the next packet', () => {
    const cap = new Cap();
    cap.add(1, udpFrame(C, 40000, S, 9999, data(10)));
    cap.add(30, udpFrame(C, 40000, S, 9999, data(10)));
    cap.add(91, udpFrame(C, 40000, S, 9999, data(10))); // 61 s after the last packet
    const { conns, emittedAt, table } = run(cap);
    expect(conns.length).toBe(2);
    expect(conns[0].origPkts).toBe(2);
    expect(emittedAt[0]).toBe(3); // emitted while handling the 3rd packet (before adding it), not at the end
    expect(conns[0].openAtEnd).toBe(false);
    expect(table.stats.expiredByTimeout).toBe(1);
  });

  it('ICMP echo request and reply are one connection keyed type/counterpart; an unreachable is one-way', () => {
    const cap = new Cap();
    cap.add(1, buildFrame({ src: C, dst: S, proto: 1, icmpType: 8, icmpCode: 0, payload: data(56) }));
    cap.add(1.01, buildFrame({ src: S, dst: C, proto: 1, icmpType: 0, icmpCode: 0, payload: data(56) }));
    cap.add(2, buildFrame({ src: S, dst: C, proto: 1, icmpType: 3, icmpCode: 3, payload: data(28) }));
    const { conns } = run(cap);
    expect(conns.length).toBe(2);
    const echo = conns.find((c) => c.origP === 8)!;
    expect([echo.origH, echo.respH, echo.respP, echo.connState, echo.history]).toEqual([C, S, 0, 'OTH', null]);
    expect([echo.origPkts, echo.respPkts, echo.origBytes, echo.respBytes]).toEqual([1, 1, 56, 56]);
    const un = conns.find((c) => c.origP === 3)!;
    expect([un.origH, un.respH, un.respP]).toEqual([S, C, 3]);
  });
});

describe('table mechanics', () => {
  it('uids are deterministic from the 5-tuple and first timestamp', () => {
    const mk = (t0: number) => {
      const cap = new Cap();
      cap.add(t0, udpFrame(C, 40000, S, 9999, data(10)));
      return run(cap).conns[0].uid;
    };
    expect(mk(1)).toBe(mk(1));
    expect(mk(1)).not.toBe(mk(2));
    expect(mk(1)).toMatch(/^C[0-9A-Za-z]{10,20}$/);
  });

  it('the live-flow cap expires the oldest flows early and counts it', () => {
    const cap = new Cap();
    for (let i = 0; i < 20; i++) cap.add(1 + i * 0.01, udpFrame(C, 30000 + i, S, 9999, data(10)));
    const { conns, table, anomalies } = run(cap, { maxFlows: 10 });
    expect(conns.length).toBe(20);
    expect(table.stats.earlyExpired).toBe(10);
    expect(anomalies.get('flow_table_cap')).toBe(10);
    expect(table.stats.livePeak).toBe(10);
    expect(conns.slice(0, 10).map((c) => c.origP)).toEqual([...Array(10).keys()].map((i) => 30000 + i));
    expect(() => new FlowTable({ emit: () => {}, anomalies: new AnomalyCounter(), maxFlows: 0 })).toThrow(/maxFlows/);
  });

  it('at the cap, the least recently active flow goes first, not the oldest one still busy', () => {
    const cap = new Cap();
    for (let i = 0; i < 10; i++) cap.add(1 + i * 0.01, udpFrame(C, 30000 + i, S, 9999, data(10)));
    cap.add(2, udpFrame(C, 30000, S, 9999, data(10))); // the first flow stays active
    cap.add(3, udpFrame(C, 31000, S, 9999, data(10))); // one flow too many
    const { conns, table } = run(cap, { maxFlows: 10 });
    expect(table.stats.earlyExpired).toBe(1);
    expect(conns[0].origP).toBe(30001);
    expect(conns[0].openAtEnd).toBe(false);
    expect(conns.find((c) => c.origP === 30000)!.origPkts).toBe(2);
  });

  it('VLAN ids, including 0 and 4095, come out as they went in; untagged is null', () => {
    const cap = new Cap();
    cap.add(1, udpFrame(C, 30000, S, 9999, data(10), 0));
    cap.add(2, udpFrame(C, 30001, S, 9999, data(10), 4095));
    cap.add(3, udpFrame(C, 30002, S, 9999, data(10), 100));
    cap.add(4, udpFrame(C, 30003, S, 9999, data(10)));
    const { conns } = run(cap);
    expect(conns.map((c) => [c.origP, c.vlan, c.innerVlan])).toEqual([
      [30000, 0, null],
      [30001, 4095, null],
      [30002, 100, null],
      [30003, null, null],
    ]);
  });

  it('IPv6 flows that differ only in the last address bytes are separate connections', () => {
    const cap = new Cap();
    const A = '2001:db8::1';
    for (let i = 0; i < 3; i++) {
      cap.add(1 + i, udpFrame(A, 40000, `2001:db8::${i + 2}`, 9999, data(10 + i)));
      cap.add(1.5 + i, udpFrame(`2001:db8::${i + 2}`, 9999, A, 40000, data(20)));
    }
    const { conns } = run(cap);
    expect(conns.length).toBe(3);
    for (let i = 0; i < 3; i++) {
      const c = conns.find((x) => x.respH === `2001:db8::${i + 2}`)!;
      expect([c.origH, c.origPkts, c.respPkts, c.origBytes, c.respBytes, c.connState]).toEqual([A, 1, 1, 10 + i, 20, 'SF']);
    }
  });

  it('flushSome emits the open connections in steps, oldest first', () => {
    const cap = new Cap();
    for (let i = 0; i < 10; i++) cap.add(1 + i, udpFrame(C, 30000 + i, S, 9999, data(10)));
    const anomalies = new AnomalyCounter();
    const conns: ConnRecord[] = [];
    const table = new FlowTable({ emit: (c) => conns.push(c), anomalies });
    readCaptureBuffer(cap.pcap.toBuffer(), 'x.pcap', 0, (m) => table.addPacket(m), { anomalies, decoder: new PacketDecoder(anomalies) });
    expect(table.flushSome(4)).toBe(true);
    expect(conns.length).toBe(4);
    expect(table.flushSome(4)).toBe(true);
    expect(table.flushSome(4)).toBe(false);
    expect(conns.map((c) => c.origP)).toEqual([...Array(10).keys()].map((i) => 30000 + i));
    expect(conns.every((c) => c.openAtEnd)).toBe(true);
    expect(table.stats.live).toBe(0);
  });

  it('an app analyzer whose payload() returns false gets no more bytes or gaps, and still end()', () => {
    const cap = new Cap();
    cap.tcp(1, true, SYN, 1000, 0);
    cap.tcp(1.01, false, SYN | ACK, 5000, 1001);
    cap.tcp(1.02, true, ACK | PSH, 1001, 5001, Buffer.from('FIRST'));
    cap.tcp(1.03, true, ACK | PSH, 1006, 5001, Buffer.from('SECOND'));
    cap.tcp(1.04, false, ACK | PSH, 5001, 1012, Buffer.from('reply'));
    cap.tcp(1.05, true, ACK | PSH, 1022, 5006, Buffer.from('AFTERGAP')); // 1012..1022 missing
    cap.tcp(1.06, false, ACK, 5006, 1030);
    const got: string[] = [];
    const factory: AppAnalyzerFactory = () => ({
      // Wants the first segment only (a void-typed analyzer that opts out by returning false).
      payload: (o: boolean, b: Buffer, off: number, len: number) => {
        got.push(`${o ? 'o' : 'r'}:${b.toString('latin1', off, off + len)}`);
        return false as unknown as void;
      },
      gap: (o, len) => got.push(`gap${len}`),
      end: () => got.push('end'),
    });
    const { conns } = run(cap, { appFactory: factory });
    expect(got).toEqual(['o:FIRST', 'end']);
    expect([conns[0].origBytes, conns[0].respBytes, conns[0].missedBytes]).toEqual([29, 5, 10]);
  });

  it('an app analyzer that returns APP_ORIG_ONLY gets only originator bytes from then on', () => {
    const cap = new Cap();
    cap.tcp(1, true, SYN, 1000, 0);
    cap.tcp(1.01, false, SYN | ACK, 5000, 1001);
    cap.tcp(1.02, true, ACK | PSH, 1001, 5001, Buffer.from('Q1'));
    cap.tcp(1.03, false, ACK | PSH, 5001, 1003, Buffer.from('R1'));
    cap.tcp(1.04, false, ACK | PSH, 5003, 1003, Buffer.from('R2'));
    cap.tcp(1.05, true, ACK | PSH, 1003, 5005, Buffer.from('Q2'));
    const got: string[] = [];
    const factory: AppAnalyzerFactory = () => ({
      payload: (o: boolean, b: Buffer, off: number, len: number) => {
        got.push(`${o ? 'o' : 'r'}:${b.toString('latin1', off, off + len)}`);
        return (o ? true : APP_ORIG_ONLY) as unknown as void;
      },
      gap: () => got.push('gap'),
      end: () => got.push('end'),
    });
    const { conns } = run(cap, { appFactory: factory });
    expect(got).toEqual(['o:Q1', 'r:R1', 'o:Q2', 'end']);
    expect([conns[0].origBytes, conns[0].respBytes]).toEqual([4, 4]);
  });

  it('makes the app analyzer at the first payload byte, or at the end for a connection that carried none', () => {
    const cap = new Cap();
    cap.tcp(1, true, SYN, 1000, 0, undefined, 40001); // a SYN left unanswered: no payload
    cap.tcp(2, true, SYN, 1000, 0, undefined, 40002);
    cap.tcp(2.01, false, SYN | ACK, 5000, 1001, undefined, 40002);
    cap.tcp(2.02, true, ACK, 1001, 5001, undefined, 40002);
    cap.tcp(2.03, true, ACK | PSH, 1001, 5001, Buffer.from('HI'), 40002);
    cap.tcp(3, true, ACK | PSH, 7000, 9000, Buffer.from('MID'), 40003); // midstream: no SYN seen
    const got: string[] = [];
    const made = new Map<number, { origH: string; respH: string; uid: string; startTs: number | undefined }>();
    const factory: AppAnalyzerFactory = (id, proto, uid, midstream, startTs) => {
      expect(proto).toBe('tcp');
      const p = id.origP;
      got.push(`make ${p}${midstream ? ' midstream' : ''}`);
      made.set(p, { origH: id.origH, respH: id.respH, uid, startTs });
      return {
        payload: (_o, b, off, len) => got.push(`payload ${p} ${b.toString('latin1', off, off + len)}`),
        gap: () => got.push(`gap ${p}`),
        end: () => got.push(`end ${p}`),
      };
    };
    const { conns } = run(cap, { appFactory: factory });
    expect(got).toEqual([
      'make 40002',
      'payload 40002 HI',
      'make 40003 midstream',
      'payload 40003 MID',
      'make 40001', // only when it ends
      'end 40001',
      'end 40002',
      'end 40003',
    ]);
    // The deferred call gets the same id, uid and start time as the record the table emits.
    expect(conns).toHaveLength(3);
    for (const c of conns) {
      expect(made.get(c.origP)).toEqual({ origH: c.origH, respH: c.respH, uid: c.uid, startTs: c.ts });
    }
  });

  it('the app analyzer gets in-order stream bytes once, gaps as gaps, and end() before emit', () => {
    const cap = new Cap();
    cap.tcp(1, true, SYN, 1000, 0);
    cap.tcp(1.01, false, SYN | ACK, 5000, 1001);
    cap.tcp(1.02, true, ACK, 1001, 5001);
    cap.tcp(1.03, true, ACK | PSH, 1011, 5001, Buffer.from('WORLD')); // out of order
    cap.tcp(1.04, true, ACK | PSH, 1001, 5001, Buffer.from('HELLO12345')); // fills the hole
    cap.tcp(1.05, true, ACK | PSH, 1001, 5001, Buffer.from('HELLO12345')); // retransmission
    cap.tcp(1.06, false, ACK | PSH, 5001, 1016, Buffer.from('ok'));
    cap.tcp(1.07, true, ACK | PSH, 1026, 5003, Buffer.from('Z')); // 1016..1026 missing
    cap.tcp(1.08, false, ACK, 5003, 1027);
    const got: string[] = [];
    const factory: AppAnalyzerFactory = (id, proto) => {
      expect(proto).toBe('tcp');
      expect(id.respP).toBe(80);
      const a: AppAnalyzer = {
        payload: (o, b, off, len) => got.push(`${o ? 'o' : 'r'}:${b.toString('latin1', off, off + len)}`),
        gap: (o, len) => got.push(`${o ? 'o' : 'r'}:gap${len}`),
        end: (c) => {
          got.push('end');
          c.service = 'test';
        },
      };
      return a;
    };
    const { conns } = run(cap, { appFactory: factory });
    expect(got).toEqual(['o:HELLO12345', 'o:WORLD', 'r:ok', 'o:gap10', 'o:Z', 'end']);
    expect(conns[0].service).toBe('test');
    expect(conns[0].missedBytes).toBe(10);
  });
});

void FIN;
void RST;
