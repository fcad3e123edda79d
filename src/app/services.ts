/**
 * Application protocols we recognise by content, their conn.log `service` names (Zeek's
 * analyzer names, lower-cased) and the ports each is registered for. The port tables are
 * Zeek's `ports` / `likely_server_ports` constants from scripts/base/protocols/<proto>/main.zeek,
 * plus 8443/tcp for TLS (common HTTPS alternative port, not in Zeek's list) so that it is not
 * reported as a port mismatch.
 */

export const enum Svc {
  None = 0,
  Dns = 1,
  Http = 2,
  Ssl = 3,
  Ssh = 4,
  Ftp = 5,
  Smtp = 6,
  Irc = 7,
  Pop3 = 8,
  Quic = 9,
  Ntp = 10,
  FtpData = 11,
}

export const SERVICE_NAMES: readonly string[] = ['', 'dns', 'http', 'ssl', 'ssh', 'ftp', 'smtp', 'irc', 'pop3', 'quic', 'ntp', 'ftp-data'];

const TCP_PORTS: ReadonlyMap<number, readonly Svc[]> = new Map<number, Svc[]>([
  [53, [Svc.Dns]],
  [80, [Svc.Http]], [81, [Svc.Http]], [631, [Svc.Http]], [1080, [Svc.Http]], [3128, [Svc.Http]],
  [8000, [Svc.Http]], [8080, [Svc.Http]], [8888, [Svc.Http]],
  [443, [Svc.Ssl]], [465, [Svc.Ssl, Svc.Smtp]], [563, [Svc.Ssl]], [585, [Svc.Ssl]], [614, [Svc.Ssl]],
  [636, [Svc.Ssl]], [989, [Svc.Ssl]], [990, [Svc.Ssl]], [992, [Svc.Ssl]], [993, [Svc.Ssl]],
  [995, [Svc.Ssl]], [5223, [Svc.Ssl]], [8443, [Svc.Ssl]],
  [22, [Svc.Ssh]],
  [21, [Svc.Ftp]], [2811, [Svc.Ftp]],
  [25, [Svc.Smtp]], [587, [Svc.Smtp]],
  [6666, [Svc.Irc]], [6667, [Svc.Irc]], [6668, [Svc.Irc]], [6669, [Svc.Irc]],
  [110, [Svc.Pop3]],
]);

const UDP_PORTS: ReadonlyMap<number, readonly Svc[]> = new Map<number, Svc[]>([
  [53, [Svc.Dns]], [137, [Svc.Dns]], [5353, [Svc.Dns]], [5355, [Svc.Dns]],
  [443, [Svc.Quic]], [853, [Svc.Quic]], [784, [Svc.Quic]],
  [123, [Svc.Ntp]],
]);

/** Services registered for a responder port. */
export function registeredServices(tcp: boolean, port: number): readonly Svc[] {
  return (tcp ? TCP_PORTS : UDP_PORTS).get(port) ?? [];
}

/** Whether `svc` is registered for the port. */
export function isRegistered(tcp: boolean, port: number, svc: Svc): boolean {
  const list = (tcp ? TCP_PORTS : UDP_PORTS).get(port);
  return list !== undefined && list.indexOf(svc) >= 0;
}
