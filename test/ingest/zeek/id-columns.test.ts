import { describe, expect, it } from 'vitest';
import { connMapper } from '../../../src/ingest/zeek/conn.js';
import { dnsMapper } from '../../../src/ingest/zeek/dns.js';
import { httpMapper } from '../../../src/ingest/zeek/http.js';
import { sslMapper } from '../../../src/ingest/zeek/ssl.js';
import { ID_CODE_LAST } from '../../../src/ingest/zeek/mapper.js';

describe('the six shared columns', () => {
  it.each([
    ['conn', connMapper],
    ['dns', dnsMapper],
    ['http', httpMapper],
    ['ssl', sslMapper],
  ] as const)('%s maps ts, uid and id.* to codes 1..6, which setIdTsv/setIdJson own', (_n, m) => {
    const names = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'];
    expect(names.map((n) => m.codes.get(n))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ID_CODE_LAST).toBe(6);
  });
});
