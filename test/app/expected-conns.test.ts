import { describe, expect, it } from 'vitest';
import { AnomalyCounter } from '../../src/core/anomaly.js';
import { EXPECT_TIMEOUT, ExpectedConns, ftpDataEndpoint, MAX_EXPECTED } from '../../src/app/expected-conns.js';
import { Svc } from '../../src/app/services.js';

describe('FTP data-channel announcements', () => {
  it('reads PORT/227 (RFC 959) and EPRT/229 (RFC 2428)', () => {
    expect(ftpDataEndpoint('227 Entering Passive Mode (192,168,1,2,195,80).')).toEqual(['192.168.1.2', 195 * 256 + 80]);
    expect(ftpDataEndpoint('PORT 10,0,0,1,4,1')).toEqual(['10.0.0.1', 1025]);
    expect(ftpDataEndpoint('229 Entering Extended Passive Mode (|||57086|)')).toEqual([null, 57086]);
    expect(ftpDataEndpoint('EPRT |2|2001:DB8::1|49189|')).toEqual(['2001:db8::1', 49189]);
    expect(ftpDataEndpoint('230 Guest login ok')).toBeNull();
    expect(ftpDataEndpoint('PORT 1,2,3,4,0,0')).toBeNull();
  });

  it('matches one connection once, pinned to its originator, until it expires', () => {
    const e = new ExpectedConns(new AnomalyCounter());
    e.now = 100;
    e.add('10.0.0.1', '10.0.0.2', 5000, Svc.FtpData, 100);
    expect(e.take('10.0.0.9', '10.0.0.2', 5000)).toBe(0); // another client
    expect(e.take('10.0.0.1', '10.0.0.2', 5000)).toBe(Svc.FtpData);
    expect(e.take('10.0.0.1', '10.0.0.2', 5000)).toBe(0); // taken
    e.add('10.0.0.1', '10.0.0.2', 5001, Svc.FtpData, 100);
    e.now = 100 + EXPECT_TIMEOUT + 1;
    expect(e.take('10.0.0.1', '10.0.0.2', 5001)).toBe(0);
  });

  it('judges a connection made later by its start time: not an earlier one, not an expired one', () => {
    const e = new ExpectedConns(new AnomalyCounter());
    e.add('10.0.0.1', '10.0.0.2', 5000, Svc.FtpData, 100);
    e.now = 100 + EXPECT_TIMEOUT + 50; // time has moved on since the connection started
    expect(e.take('10.0.0.1', '10.0.0.2', 5000, 99)).toBe(0); // started before the announcement
    expect(e.take('10.0.0.1', '10.0.0.2', 5000, 150)).toBe(Svc.FtpData); // in time at its start
    e.add('10.0.0.1', '10.0.0.2', 5001, Svc.FtpData, 100);
    expect(e.take('10.0.0.1', '10.0.0.2', 5001, 100 + EXPECT_TIMEOUT + 1)).toBe(0); // expired
  });

  it('keeps at most MAX_EXPECTED entries and counts the ones it drops', () => {
    const a = new AnomalyCounter();
    const e = new ExpectedConns(a);
    for (let i = 0; i < MAX_EXPECTED + 10; i++) e.add(null, '10.0.0.2', 1024 + i, Svc.FtpData, 1);
    expect(e.size).toBe(MAX_EXPECTED);
    expect(a.get('expected_conn_limit')).toBe(10);
    expect(e.take('x', '10.0.0.2', 1024)).toBe(0); // the oldest went first
    expect(e.take('x', '10.0.0.2', 1024 + MAX_EXPECTED + 9)).toBe(Svc.FtpData);
  });
});
