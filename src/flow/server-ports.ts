/**
 * Zeek's `likely_server_ports`: the ports its default scripts register analyzers for
 * (`Analyzer::register_for_ports` adds every server port to the set). Zeek uses the set to
 * decide the originator of a connection whose first packet is not a SYN (TCP) or that starts
 * from a well-known port (UDP). Gathered from zeek/zeek scripts/base/protocols/* and
 * scripts/base/packet-protocols/* (`const ports = {...}`) at a13de64f; QUIC's 443/udp is left
 * out, as Zeek does ("to avoid spurious flips"). A `zeek -b` run with few scripts loaded has
 * a smaller set; we follow the full default script set.
 */
const TCP_SERVER_PORTS = [
  21, 22, 25, 79, 80, 81, 88, 135, 139, 143, 389, 443, 445, 465, 502, 514, 563, 585, 587, 614, 631, 636, 989,
  990, 992, 993, 995, 1080, 1434, 1883, 2811, 3128, 3268, 3306, 3389, 5222, 5223, 5269, 5432, 6379, 6666, 6667,
  6668, 6669, 8000, 8080, 8888, 20000, 53, 110,
];
const UDP_SERVER_PORTS = [
  53, 67, 88, 123, 137, 161, 162, 389, 514, 1812, 2123, 2152, 3389, 3544, 4011, 4754, 4789, 5060, 5072, 5353,
  5355, 6081, 20000,
];

const tcpSet = new Uint8Array(65536);
const udpSet = new Uint8Array(65536);
for (const p of TCP_SERVER_PORTS) tcpSet[p] = 1;
for (const p of UDP_SERVER_PORTS) udpSet[p] = 1;

/** True when `port` is in Zeek's likely_server_ports for TCP. */
export function isLikelyTcpServerPort(port: number): boolean {
  return tcpSet[port] === 1;
}

/** True when `port` is in Zeek's likely_server_ports for UDP. */
export function isLikelyUdpServerPort(port: number): boolean {
  return udpSet[port] === 1;
}
