/**
 * The JSON config file. Looked for in this order, the first that names a file wins:
 *   1. `--config FILE`;
 *   2. the environment variable KONSEKI_CONFIG;
 *   3. the user's config folder: $XDG_CONFIG_HOME/konseki/config.json, else
 *      ~/.config/konseki/config.json (%APPDATA%\konseki\config.json on Windows).
 * A file named by 1 or 2 must exist; the user's file is optional. Flags override the file
 * (`applyFlags`). Unknown keys are errors (a typo must not silently disable a setting), except
 * `$schema` and keys starting with `_`, which are free for comments.
 *
 * Example:
 * {
 *   "internalNetworks": ["10.0.0.0/8", "192.168.0.0/16", "fd00::/8"],
 *   "allowlist": { "ips": ["10.0.0.53", "203.0.113.0/24"], "domains": ["update.example.com", "*.corp.example"] },
 *   "indicatorFiles": ["iocs/feed.txt"],            // relative to the config file's folder
 *   "thresholds": { "beacon": { "beaconMinBeats": 6 }, "cleartext_exfil": { "exfilMinBytes": 1048576 }, "general": { "minScore": 20 } },
 *                                  // threshold names: DEFAULT_THRESHOLDS in src/detect/config.ts; the groups
 *                                  // (a detector id or "general") are for readability, the names are global
 *   "caps": { "maxPairs": 1000000 },                                    // names: DEFAULT_CAPS
 *   "detectors": ["beacon", "suspicious_port", "cleartext_exfil"],     // enabled detectors (default: all)
 *   "resolvers": ["10.0.0.53"],                                         // the network's DNS resolvers
 *   "geoip": { "city": "/srv/GeoLite2-City.mmdb", "asn": null, "country": null, "dir": null, "enabled": true },
 *   "homeCountry": "DE",
 *   "failOn": "high",
 *   "format": "csv"
 * }
 * (JSON has no comments: the `//` notes above are for this documentation only.)
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { KonsekiError, ErrorCodes } from '../core/errors.js';
import { SEVERITIES, type DetectorId, type Severity } from '../core/finding.js';
import { parseCidr } from '../enrich/ip-class.js';
import type { GeoOptions } from '../enrich/geoip.js';
import { ALL_DETECTORS, DEFAULT_CAPS, DEFAULT_THRESHOLDS, type DetectConfig } from '../detect/config.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../export/write-findings.js';

export const DETECTOR_IDS: readonly DetectorId[] = ALL_DETECTORS;

/** Top-level keys of the config file (assets/konseki-config.schema.json lists the same). */
export const CONFIG_KEYS: readonly string[] = [
  'internalNetworks',
  'allowlist',
  'indicatorFiles',
  'thresholds',
  'caps',
  'detectors',
  'resolvers',
  'geoip',
  'homeCountry',
  'failOn',
  'format',
];

/** Largest config file we read: a config is settings, not data (indicator lists go in indicatorFiles). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export interface GeoipConfig {
  city: string | null;
  country: string | null;
  asn: string | null;
  /** Folder searched first for GeoLite2-*.mmdb (Zeek's mmdb_dir). */
  dir: string | null;
  /** false turns GeoIP off (addresses are still classified). */
  enabled: boolean;
}

export interface KonsekiConfig {
  /** CIDRs of the local networks (canonical text as given), used for direction. */
  internalNetworks: string[];
  /** Traffic to or from these never makes a finding: addresses/CIDRs and domains (`*.x` for subdomains). */
  allowlist: { ips: string[]; domains: string[] };
  /** Absolute paths of indicator files (one IP, CIDR or domain per line). */
  indicatorFiles: string[];
  /**
   * Detection thresholds, grouped for readability by detector id (or `general`); the names
   * inside are the keys of DEFAULT_THRESHOLDS in src/detect/config.ts, validated here.
   */
  thresholds: Partial<Record<string, Record<string, number | boolean>>>;
  /** Memory caps of the detectors by name (the keys of DEFAULT_CAPS). */
  caps: Record<string, number>;
  /** Enabled detectors; null = all. */
  detectors: DetectorId[] | null;
  /** The network's DNS resolvers (addresses or CIDRs): periodic DNS to them is by design. */
  resolvers: string[];
  geoip: GeoipConfig;
  /** ISO 3166-1 alpha-2, upper case. */
  homeCountry: string | null;
  failOn: Severity | null;
  format: OutputFormat | null;
}

export type ConfigOrigin = 'flag' | 'env' | 'user' | 'none';

export interface LoadedConfig {
  config: KonsekiConfig;
  /** The file read, or null when there was none. */
  path: string | null;
  origin: ConfigOrigin;
}

export function defaultConfig(): KonsekiConfig {
  return {
    internalNetworks: [],
    allowlist: { ips: [], domains: [] },
    indicatorFiles: [],
    thresholds: {},
    caps: {},
    detectors: null,
    resolvers: [],
    geoip: { city: null, country: null, asn: null, dir: null, enabled: true },
    homeCountry: null,
    failOn: null,
    format: null,
  };
}

/** The user's config file path (it may not exist). */
export function userConfigPath(env: NodeJS.ProcessEnv = process.env, home: string = homedir(), platform: string = process.platform): string {
  if (platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'konseki', 'config.json');
  const base = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(home, '.config');
  return join(base, 'konseki', 'config.json');
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

class Checker {
  constructor(readonly file: string) {}

  fail(key: string, msg: string): never {
    throw new KonsekiError(ErrorCodes.CONFIG, `Config: "${key}" ${msg}`, { file: this.file });
  }

  typeName(v: Json | undefined): string {
    if (v === null) return 'null';
    if (Array.isArray(v)) return 'an array';
    return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
  }

  object(v: Json | undefined, key: string, allowed: readonly string[]): Record<string, Json> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(key, `must be an object, got ${this.typeName(v)}`);
    const o = v as Record<string, Json>;
    for (const k of Object.keys(o)) {
      if (k === '$schema' || k.startsWith('_')) continue;
      if (!allowed.includes(k)) {
        const path = key === '' ? k : `${key}.${k}`;
        this.fail(path, `is not a known setting (known: ${allowed.join(', ')})`);
      }
    }
    return o;
  }

  stringOrNull(v: Json | undefined, key: string): string | null {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') this.fail(key, `must be a string, got ${this.typeName(v)}`);
    return v as string;
  }

  stringArray(v: Json | undefined, key: string): string[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(key, `must be an array of strings, got ${this.typeName(v)}`);
    return (v as Json[]).map((x, i) => {
      if (typeof x !== 'string' || x.trim() === '') this.fail(`${key}[${i}]`, `must be a non-empty string, got ${this.typeName(x)}`);
      return (x as string).trim();
    });
  }
}

const DOMAIN = /^(\*\.)?([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.?$/i;

/**
 * Validate a parsed config and resolve its paths against `file`'s folder.
 * @throws KonsekiError ERR_CONFIG naming the file and the key.
 */
export function validateConfig(raw: unknown, file: string): KonsekiConfig {
  const c = new Checker(file);
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const top = c.object(raw as Json, '', CONFIG_KEYS);
  const out = defaultConfig();

  out.internalNetworks = c.stringArray(top.internalNetworks, 'internalNetworks').map((s, i) => {
    if (!parseCidr(s)) c.fail(`internalNetworks[${i}]`, `is not a network in CIDR notation (e.g. 10.0.0.0/8), got "${s}"`);
    return s;
  });

  if (top.allowlist !== undefined && top.allowlist !== null) {
    const al = c.object(top.allowlist, 'allowlist', ['ips', 'domains']);
    out.allowlist.ips = c.stringArray(al.ips, 'allowlist.ips').map((s, i) => {
      if (!parseCidr(s)) c.fail(`allowlist.ips[${i}]`, `is not an address or CIDR network, got "${s}"`);
      return s;
    });
    out.allowlist.domains = c.stringArray(al.domains, 'allowlist.domains').map((s, i) => {
      if (!DOMAIN.test(s) || s.length > 253) c.fail(`allowlist.domains[${i}]`, `is not a domain name, got "${s}"`);
      return s.toLowerCase().replace(/\.$/, '');
    });
  }

  out.indicatorFiles = c.stringArray(top.indicatorFiles, 'indicatorFiles').map(abs);

  if (top.thresholds !== undefined && top.thresholds !== null) {
    const th = c.object(top.thresholds, 'thresholds', [...DETECTOR_IDS, 'general']);
    const seen = new Map<string, string>();
    for (const [group, v] of Object.entries(th)) {
      if (group === '$schema' || group.startsWith('_')) continue;
      const o = c.object(v, `thresholds.${group}`, Object.keys(DEFAULT_THRESHOLDS));
      const vals: Record<string, number> = {};
      for (const [k, x] of Object.entries(o)) {
        if (k === '$schema' || k.startsWith('_')) continue;
        const key = `thresholds.${group}.${k}`;
        if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) c.fail(key, `must be a non-negative number, got ${c.typeName(x)}`);
        if (seen.has(k)) c.fail(key, `is already set in ${seen.get(k)}`);
        seen.set(k, key);
        vals[k] = x as number;
      }
      out.thresholds[group] = vals;
    }
  }
  if (top.caps !== undefined && top.caps !== null) {
    const cp = c.object(top.caps, 'caps', Object.keys(DEFAULT_CAPS));
    for (const [k, x] of Object.entries(cp)) {
      if (k === '$schema' || k.startsWith('_')) continue;
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 1) c.fail(`caps.${k}`, `must be a positive integer, got ${c.typeName(x)}`);
      out.caps[k] = x as number;
    }
  }
  if (top.detectors !== undefined && top.detectors !== null) {
    out.detectors = c.stringArray(top.detectors, 'detectors').map((d, i) => {
      if (!(DETECTOR_IDS as readonly string[]).includes(d)) c.fail(`detectors[${i}]`, `is not a detector (known: ${DETECTOR_IDS.join(', ')}), got "${d}"`);
      return d as DetectorId;
    });
  }
  out.resolvers = c.stringArray(top.resolvers, 'resolvers').map((s, i) => {
    if (!parseCidr(s)) c.fail(`resolvers[${i}]`, `is not an address or CIDR network, got "${s}"`);
    return s;
  });

  if (top.geoip !== undefined && top.geoip !== null) {
    const g = c.object(top.geoip, 'geoip', ['city', 'country', 'asn', 'dir', 'enabled']);
    for (const k of ['city', 'country', 'asn', 'dir'] as const) {
      const s = c.stringOrNull(g[k], `geoip.${k}`);
      out.geoip[k] = s === null || s.trim() === '' ? null : abs(s);
    }
    if (g.enabled !== undefined && g.enabled !== null) {
      if (typeof g.enabled !== 'boolean') c.fail('geoip.enabled', `must be true or false, got ${c.typeName(g.enabled)}`);
      out.geoip.enabled = g.enabled as boolean;
    }
  }

  const hc = c.stringOrNull(top.homeCountry, 'homeCountry');
  if (hc !== null) {
    if (!/^[A-Za-z]{2}$/.test(hc)) c.fail('homeCountry', `must be a two-letter ISO 3166 country code (e.g. DE), got "${hc}"`);
    out.homeCountry = hc.toUpperCase();
  }
  const fo = c.stringOrNull(top.failOn, 'failOn');
  if (fo !== null) {
    if (!(SEVERITIES as readonly string[]).includes(fo)) c.fail('failOn', `must be one of ${SEVERITIES.join(', ')}, got "${fo}"`);
    out.failOn = fo as Severity;
  }
  const fm = c.stringOrNull(top.format, 'format');
  if (fm !== null) {
    if (!(OUTPUT_FORMATS as readonly string[]).includes(fm)) c.fail('format', `must be one of ${OUTPUT_FORMATS.join(', ')}, got "${fm}"`);
    out.format = fm as OutputFormat;
  }
  return out;
}

/**
 * Offset of the first JSON syntax error in `t` (RFC 8259 grammar), or -1. Node 20's
 * JSON.parse messages do not always carry a position, and users need the line.
 */
export function jsonErrorOffset(t: string): number {
  let i = 0;
  const ws = () => {
    while (i < t.length && (t[i] === ' ' || t[i] === '\t' || t[i] === '\n' || t[i] === '\r')) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const lit = (w: string) => {
    if (t.startsWith(w, i)) i += w.length;
    else fail();
  };
  const str = () => {
    i++;
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        const e = t[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) fail();
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else {
          i++;
          fail();
        }
      } else i++;
    }
    fail();
  };
  const value = (depth: number): void => {
    if (depth > 512) fail();
    ws();
    const c = t[i];
    if (c === '{') {
      i++;
      ws();
      if (t[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (t[i] !== '"') fail();
        str();
        ws();
        if (t[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (t[i] === ',') {
          i++;
          continue;
        }
        if (t[i] === '}') {
          i++;
          return;
        }
        fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (t[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (t[i] === ',') {
          i++;
          continue;
        }
        if (t[i] === ']') {
          i++;
          return;
        }
        fail();
      }
    } else if (c === '"') str();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(t.slice(i, i + 400));
      if (!m) fail();
      i += m![0].length;
    }
  };
  try {
    value(0);
    ws();
    if (i < t.length) fail();
    return -1;
  } catch (e) {
    if (typeof e === 'number') return e;
    throw e;
  }
}

/** Line (1-based) of a character offset, for JSON syntax errors. */
function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Parse and validate config text.
 * @throws KonsekiError ERR_CONFIG with the file and, for syntax errors, the line.
 */
export function parseConfig(text: string, file: string): KonsekiConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    const at = jsonErrorOffset(body);
    const line = at >= 0 ? lineOf(body, at) : undefined;
    const msg = (e as Error).message.split('\n')[0].replace(/, "[\s\S]*$/, '');
    throw new KonsekiError(ErrorCodes.CONFIG, `Config is not valid JSON: ${msg}`, { file, line });
  }
  return validateConfig(raw, file);
}

/**
 * Find and read the config file (see the module comment for the order).
 * @param opts.path the `--config` flag
 */
export async function loadConfig(opts: { path?: string | null; env?: NodeJS.ProcessEnv; home?: string; platform?: string } = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  let path: string | null = null;
  let origin: ConfigOrigin = 'none';
  if (opts.path) {
    path = resolve(opts.path);
    origin = 'flag';
  } else if (env.KONSEKI_CONFIG) {
    path = resolve(env.KONSEKI_CONFIG);
    origin = 'env';
  } else {
    const user = userConfigPath(env, opts.home ?? homedir(), opts.platform ?? process.platform);
    if (existsSync(user)) {
      path = user;
      origin = 'user';
    }
  }
  if (path === null) return { config: defaultConfig(), path: null, origin };
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    const via = origin === 'flag' ? '--config' : origin === 'env' ? 'KONSEKI_CONFIG' : 'the user config file';
    throw new KonsekiError(ErrorCodes.CONFIG, `Cannot read the config file named by ${via}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      file: path,
    });
  }
  if (buf.length > MAX_CONFIG_BYTES) {
    throw new KonsekiError(ErrorCodes.CONFIG, `Config file is ${buf.length} bytes, more than the ${MAX_CONFIG_BYTES} a config may have`, { file: path });
  }
  return { config: parseConfig(buf.toString('utf8'), path), path, origin };
}

/** Command-line values that override the config; undefined/null means "not given". */
export interface ConfigFlags {
  internalNetworks?: string[] | null;
  allowlistIps?: string[] | null;
  allowlistDomains?: string[] | null;
  indicatorFiles?: string[] | null;
  geoipCity?: string | null;
  geoipCountry?: string | null;
  geoipAsn?: string | null;
  geoipDir?: string | null;
  noGeoip?: boolean | null;
  homeCountry?: string | null;
  failOn?: Severity | null;
  format?: OutputFormat | null;
}

/**
 * The config with the flags applied: a flag given replaces the config's value (lists are
 * replaced, not merged, so that a flag always means exactly what it says). The flag values
 * are validated with the same rules, and errors name the flag.
 */
export function applyFlags(config: KonsekiConfig, flags: ConfigFlags): KonsekiConfig {
  const out: KonsekiConfig = {
    ...config,
    allowlist: { ...config.allowlist },
    geoip: { ...config.geoip },
    thresholds: { ...config.thresholds },
    caps: { ...config.caps },
  };
  const usage = (flag: string, msg: string): never => {
    throw new KonsekiError(ErrorCodes.USAGE, `${flag}: ${msg}`);
  };
  if (flags.internalNetworks) {
    for (const s of flags.internalNetworks) if (!parseCidr(s)) usage('--internal-networks', `not a network in CIDR notation: "${s}"`);
    out.internalNetworks = [...flags.internalNetworks];
  }
  if (flags.allowlistIps) {
    for (const s of flags.allowlistIps) if (!parseCidr(s)) usage('--allow-ip', `not an address or CIDR network: "${s}"`);
    out.allowlist.ips = [...flags.allowlistIps];
  }
  if (flags.allowlistDomains) {
    for (const s of flags.allowlistDomains) if (!DOMAIN.test(s)) usage('--allow-domain', `not a domain name: "${s}"`);
    out.allowlist.domains = flags.allowlistDomains.map((d) => d.toLowerCase().replace(/\.$/, ''));
  }
  if (flags.indicatorFiles) out.indicatorFiles = flags.indicatorFiles.map((p) => resolve(p));
  if (flags.geoipCity) out.geoip.city = resolve(flags.geoipCity);
  if (flags.geoipCountry) out.geoip.country = resolve(flags.geoipCountry);
  if (flags.geoipAsn) out.geoip.asn = resolve(flags.geoipAsn);
  if (flags.geoipDir) out.geoip.dir = resolve(flags.geoipDir);
  if (flags.noGeoip) out.geoip.enabled = false;
  if (flags.homeCountry) {
    if (!/^[A-Za-z]{2}$/.test(flags.homeCountry)) usage('--home-country', `must be a two-letter ISO 3166 country code (e.g. DE), got "${flags.homeCountry}"`);
    out.homeCountry = flags.homeCountry.toUpperCase();
  }
  if (flags.failOn) {
    if (!(SEVERITIES as readonly string[]).includes(flags.failOn)) usage('--fail-on', `must be one of ${SEVERITIES.join(', ')}`);
    out.failOn = flags.failOn;
  }
  if (flags.format) {
    if (!(OUTPUT_FORMATS as readonly string[]).includes(flags.format)) usage('--format', `must be one of ${OUTPUT_FORMATS.join(', ')}`);
    out.format = flags.format;
  }
  return out;
}

/**
 * GeoEnricher options from the config file (not yet merged with flags) and the flags, so that
 * each database's origin (flag, environment, config, search, embedded) is reported truthfully.
 */
export function geoOptionsFrom(config: KonsekiConfig, flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): GeoOptions {
  return {
    city: flags.geoipCity ? resolve(flags.geoipCity) : null,
    country: flags.geoipCountry ? resolve(flags.geoipCountry) : null,
    asn: flags.geoipAsn ? resolve(flags.geoipAsn) : null,
    dir: flags.geoipDir ? resolve(flags.geoipDir) : null,
    config: config.geoip,
    env,
    disabled: flags.noGeoip === true || !config.geoip.enabled,
  };
}

/**
 * The detection settings of the config, in the shape DetectionEngine takes (src/detect/config.ts).
 * The allow-list's addresses and domains become one list; indicators are loaded from
 * `indicatorFiles` by the caller (src/cli/signatures.ts).
 */
export function detectConfigFrom(config: KonsekiConfig): DetectConfig {
  const thresholds: Record<string, number> = {};
  for (const group of Object.values(config.thresholds)) {
    for (const [k, v] of Object.entries(group ?? {})) if (typeof v === 'number') thresholds[k] = v;
  }
  const out: DetectConfig = {
    allowList: [...config.allowlist.ips, ...config.allowlist.domains],
    thresholds,
    caps: { ...config.caps },
  };
  if (config.internalNetworks.length) out.internalNetworks = [...config.internalNetworks];
  if (config.detectors) out.detectors = [...config.detectors];
  if (config.resolvers.length) out.resolvers = [...config.resolvers];
  return out;
}
