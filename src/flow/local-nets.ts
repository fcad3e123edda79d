/**
 * `local_orig` / `local_resp` as Zeek sets them with its default `Site::local_nets`, which
 * (since Zeek 6) includes `Site::private_address_space` (scripts/base/utils/site.zeek at
 * a13de64f). IPv4 prefixes also match their 6to4 (2002::/16) forms, as Zeek lists both.
 */
import { parseIp } from '../core/ip.js';

const PRIVATE_SPACE = [
  '0.0.0.0/8', '2002::/24', '10.0.0.0/8', '2002:a00::/24', '100.64.0.0/10', '2002:6440::/26', '127.0.0.0/8',
  '2002:7f00::/24', '169.254.0.0/16', '2002:a9fe::/32', '172.16.0.0/12', '2002:ac10::/28', '192.0.0.0/24',
  '2002:c000::/40', '192.0.2.0/24', '2002:c000:200::/40', '192.168.0.0/16', '2002:c0a8::/32', '198.18.0.0/15',
  '2002:c612::/31', '198.51.100.0/24', '2002:c633:6400::/40', '203.0.113.0/24', '2002:cb00:7100::/40',
  '224.0.0.0/24', '2002:e000::/40', '239.0.0.0/8', '2002:ef00::/24', '240.0.0.0/4', '2002:f000::/20',
  '255.255.255.255/32', '2002:ffff:ffff::/48', '::/128', '::1/128', '64:ff9b:1::/48', '100::/64', '2001::/23',
  '2001:2::/48', '2001:db8::/32', 'fc00::/7', 'fe80::/10', 'fec0::/10',
];

interface Prefix {
  bytes: Uint8Array;
  bits: number;
}

const v4: Prefix[] = [];
const v6: Prefix[] = [];
for (const p of PRIVATE_SPACE) {
  const [a, b] = p.split('/');
  const bytes = parseIp(a)!;
  (bytes.length === 4 ? v4 : v6).push({ bytes, bits: Number(b) });
}

function matches(buf: Uint8Array, off: number, p: Prefix): boolean {
  let bits = p.bits;
  let i = 0;
  while (bits >= 8) {
    if (buf[off + i] !== p.bytes[i]) return false;
    i++;
    bits -= 8;
  }
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (buf[off + i] & mask) === (p.bytes[i] & mask);
}

/** True when the address (4 or 16 bytes at `off`) is in Zeek's default local networks. */
export function isLocalAddr(buf: Uint8Array, off: number, len: number): boolean {
  const list = len === 4 ? v4 : v6;
  for (let i = 0; i < list.length; i++) if (matches(buf, off, list[i])) return true;
  return false;
}
