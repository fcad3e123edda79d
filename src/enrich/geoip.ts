/**
 * GeoIP enrichment of findings: country, AS number and AS organisation of each endpoint.
 *
 * Databases, per role (city, country, asn), first found wins:
 *   1. the path given in `GeoOptions` (the `--geoip-city`, `--geoip-country`, `--geoip-asn` flags);
 *   2. the environment: KONSEKI_GEOIP_CITY, KONSEKI_GEOIP_COUNTRY, KONSEKI_GEOIP_ASN;
 *   3. the config file (`geoip.city`, `geoip.country`, `geoip.asn`);
 *   4. a search, as Zeek does (`mmdb_dir` then `mmdb_dir_fallbacks`), for GeoLite2-City.mmdb,
 *      GeoLite2-Country.mmdb and GeoLite2-ASN.mmdb (and the DB-IP lite names) in the directory
 *      given by `dir` / KONSEKI_GEOIP_DIR / `geoip.dir`, then /usr/share/GeoIP, /var/lib/GeoIP,
 *      /usr/local/share/GeoIP, /usr/local/var/GeoIP, /opt/local/share/GeoIP, /opt/homebrew/var/GeoIP;
 *   5. the embedded default: country from `@ip-location-db/geo-whois-asn-country-mmdb` (CC0),
 *      AS from assets/asn-table.bin.gz (built from `@ip-location-db/asn`, CC BY 4.0).
 * The country comes from the city database when there is one (as Zeek prefers city to country).
 * Each user database's `databaseType` is checked against its role: a wrong file is a
 * KonsekiError ERR_GEOIP_DB naming the file and what it is.
 *
 * Only addresses of class `public` are looked up (see ip-class.ts), behind an LRU keyed by the
 * address text, and only for the addresses that appear in findings.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import maxmind, { type Reader, type Response } from 'maxmind';
import { KonsekiError, ErrorCodes } from '../core/errors.js';
import { severityOf, SEVERITIES, type EnrichedFinding, type Finding, type GeoInfo } from '../core/finding.js';
import { AsnTable } from './asn-table.js';
import { classifyIp } from './ip-class.js';
import { LruCache } from './lru.js';

export type GeoRole = 'city' | 'country' | 'asn';
export type GeoOrigin = 'option' | 'env' | 'config' | 'search' | 'embedded';

export interface GeoOptions {
  /** Paths given on the command line (highest precedence). */
  city?: string | null;
  country?: string | null;
  asn?: string | null;
  /** Directory searched first for the usual file names (Zeek's `mmdb_dir`). */
  dir?: string | null;
  /** Paths from the config file (below the environment in precedence). */
  config?: { city?: string | null; country?: string | null; asn?: string | null; dir?: string | null } | null;
  /** Environment to read KONSEKI_GEOIP_* from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Search the system GeoIP directories (default true). Tests turn it off. */
  searchSystemDirs?: boolean;
  /** Directories to search instead of the system list (for tests and unusual installs). */
  searchDirs?: string[];
  /** Fall back to the embedded data for roles no user database covers (default true). */
  useEmbedded?: boolean;
  /** No database at all: addresses are only classified (`--no-geoip`). */
  disabled?: boolean;
  /** LRU size (default 10,000, node-maxmind's default). */
  cacheSize?: number;
}

/** Which database served a role: for the run summary and the manifest. */
export interface GeoDbInfo {
  role: GeoRole;
  path: string;
  /** mmdb `databaseType` (e.g. `GeoLite2-City`), or the embedded table's format. */
  databaseType: string;
  /** Build date of the data, ISO 8601, when known. */
  buildDate: string | null;
  origin: GeoOrigin;
  /** Licence of the embedded data; null for the user's own databases. */
  license: string | null;
}

/** Points added to a beacon's or an upload's score when its destination is abroad (capped at 100). */
export const ABROAD_SCORE_BONUS = 10;
/** Detectors whose score the abroad bonus raises: periodic C2 and uploads (the seed checklist's
 * "periodic traffic to suspicious foreign addresses"). */
export const ABROAD_BONUS_DETECTORS: ReadonlySet<string> = new Set(['beacon', 'cleartext_exfil']);

/** Zeek's `mmdb_dir_fallbacks`, plus MacPorts' and Homebrew's locations. */
export const SYSTEM_GEOIP_DIRS = [
  '/usr/share/GeoIP',
  '/var/lib/GeoIP',
  '/usr/local/share/GeoIP',
  '/usr/local/var/GeoIP',
  '/opt/local/share/GeoIP',
  '/opt/homebrew/var/GeoIP',
];

/** File names searched per role, in order (MaxMind's, then DB-IP's lite names). */
const SEARCH_NAMES: Record<GeoRole, string[]> = {
  city: ['GeoLite2-City.mmdb', 'GeoIP2-City.mmdb', 'dbip-city-lite.mmdb', 'DBIP-City-Lite.mmdb'],
  country: ['GeoLite2-Country.mmdb', 'GeoIP2-Country.mmdb', 'dbip-country-lite.mmdb', 'DBIP-Country-Lite.mmdb'],
  asn: ['GeoLite2-ASN.mmdb', 'GeoIP2-ISP.mmdb', 'dbip-asn-lite.mmdb', 'DBIP-ASN-Lite.mmdb'],
};

/** `databaseType` patterns accepted per role, and a description for the error message. */
const ACCEPTED_TYPES: Record<GeoRole, { re: RegExp; expect: string }> = {
  city: { re: /city|enterprise|location/i, expect: 'a city database (GeoLite2-City, GeoIP2-City, DBIP-City-Lite)' },
  country: {
    re: /country|city|enterprise|location/i,
    expect: 'a country or city database (GeoLite2-Country, GeoIP2-Country, DBIP-Country-Lite, or a city database)',
  },
  asn: { re: /asn|isp|enterprise/i, expect: 'an ASN database (GeoLite2-ASN, GeoIP2-ISP, DBIP-ASN-Lite)' },
};

const ENV_NAMES: Record<GeoRole, string> = {
  city: 'KONSEKI_GEOIP_CITY',
  country: 'KONSEKI_GEOIP_COUNTRY',
  asn: 'KONSEKI_GEOIP_ASN',
};

const FLAG_NAMES: Record<GeoRole, string> = { city: '--geoip-city', country: '--geoip-country', asn: '--geoip-asn' };

/** Package root: this file is src/enrich/geoip.ts or dist/enrich/geoip.js. */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EMBEDDED_ASN_TABLE = join(PACKAGE_ROOT, 'assets', 'asn-table.bin.gz');
const EMBEDDED_COUNTRY_PACKAGE = '@ip-location-db/geo-whois-asn-country-mmdb';

/** Path of the embedded country mmdb, resolved from node_modules at run time. */
export function embeddedCountryDbPath(): string {
  const req = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = req.resolve(`${EMBEDDED_COUNTRY_PACKAGE}/package.json`);
  } catch {
    throw new KonsekiError(
      ErrorCodes.GEOIP_DB,
      `The embedded country database (${EMBEDDED_COUNTRY_PACKAGE}) is not installed: reinstall konseki, name a database with --geoip-country, or use --no-geoip`,
    );
  }
  return join(dirname(pkg), 'geo-whois-asn-country.mmdb');
}

/** The fields we read from the mmdb records of each vendor. */
interface MmdbRecord {
  country?: { iso_code?: string };
  registered_country?: { iso_code?: string };
  city?: { names?: Record<string, string> };
  /** ip-location-db's country databases. */
  country_code?: string;
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
}

interface Candidate {
  path: string;
  origin: GeoOrigin;
  /** What told us about the path, for error messages (`--geoip-asn`, `KONSEKI_GEOIP_ASN`...). */
  via: string;
}

function nonEmpty(s: string | null | undefined): s is string {
  return typeof s === 'string' && s.trim() !== '';
}

async function openMmdb(role: GeoRole, c: Candidate): Promise<{ reader: Reader<Response>; info: GeoDbInfo }> {
  let st;
  try {
    st = statSync(c.path);
  } catch (e) {
    throw new KonsekiError(ErrorCodes.GEOIP_DB, `${c.via}: cannot open the GeoIP database: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      file: c.path,
    });
  }
  if (!st.isFile()) throw new KonsekiError(ErrorCodes.GEOIP_DB, `${c.via}: not a file`, { file: c.path });
  let reader: Reader<Response>;
  try {
    reader = await maxmind.open<Response>(c.path, { watchForUpdates: false });
  } catch (e) {
    throw new KonsekiError(
      ErrorCodes.GEOIP_DB,
      `${c.via}: not a MaxMind DB (.mmdb) file: ${(e as Error).message.split('\n')[0]}`,
      { file: c.path },
    );
  }
  const type = String(reader.metadata.databaseType ?? '');
  const accepted = ACCEPTED_TYPES[role];
  if (!accepted.re.test(type)) {
    throw new KonsekiError(ErrorCodes.GEOIP_DB, `${c.via}: this is a "${type}" database, expected ${accepted.expect}`, {
      file: c.path,
    });
  }
  const epoch = reader.metadata.buildEpoch;
  const buildDate = epoch instanceof Date && !Number.isNaN(epoch.getTime()) ? epoch.toISOString() : null;
  return {
    reader,
    info: { role, path: c.path, databaseType: type, buildDate, origin: c.origin, license: null },
  };
}

/**
 * A record from an mmdb, or null. mmdb-lib throws for an IPv6 address in an IPv4-only
 * database; for us that is simply "no data".
 */
function safeGet(reader: Reader<Response> | null, ip: string): MmdbRecord | null {
  if (!reader) return null;
  try {
    return reader.get(ip) as MmdbRecord | null;
  } catch {
    return null;
  }
}

const INVALID_GEO: GeoInfo = Object.freeze({ ipClass: 'invalid', country: null, asn: null, asOrg: null }) as GeoInfo;

export class GeoEnricher {
  private readonly cache: LruCache<string, GeoInfo>;
  private city: Reader<Response> | null = null;
  private country: Reader<Response> | null = null;
  private asnDb: Reader<Response> | null = null;
  private asnTable: AsnTable | null = null;
  private readonly dbs: GeoDbInfo[] = [];
  /** Lookups actually made in a database (cache misses for public addresses). */
  dbLookups = 0;
  /** Databases found by the search but skipped (unreadable or of the wrong type), for stderr. */
  readonly warnings: string[] = [];

  private constructor(cacheSize: number) {
    this.cache = new LruCache(cacheSize);
  }

  /**
   * Find and open the databases (see the module comment for the order).
   * @throws KonsekiError ERR_GEOIP_DB when a named database is missing, unreadable or of the wrong type.
   */
  static async open(opts: GeoOptions = {}): Promise<GeoEnricher> {
    const g = new GeoEnricher(opts.cacheSize ?? 10_000);
    if (opts.disabled) return g;
    const env = opts.env ?? process.env;
    const cfg = opts.config ?? {};
    const dirs: string[] = [];
    const dir = [opts.dir, env.KONSEKI_GEOIP_DIR, cfg.dir].find(nonEmpty);
    if (dir) dirs.push(dir);
    if (opts.searchDirs) dirs.push(...opts.searchDirs);
    else if (opts.searchSystemDirs !== false) dirs.push(...SYSTEM_GEOIP_DIRS);

    const pick = (role: GeoRole): Candidate | null => {
      const flag = opts[role];
      if (nonEmpty(flag)) return { path: flag, origin: 'option', via: FLAG_NAMES[role] };
      const e = env[ENV_NAMES[role]];
      if (nonEmpty(e)) return { path: e, origin: 'env', via: ENV_NAMES[role] };
      const c = cfg[role];
      if (nonEmpty(c)) return { path: c, origin: 'config', via: `config geoip.${role}` };
      return null;
    };
    /**
     * A found file that does not open (or is of the wrong type) is skipped with a warning and
     * the search goes on, as Zeek tries each fallback directory in turn; only a database the
     * user named must open.
     */
    const search = async (role: GeoRole): Promise<{ reader: Reader<Response>; info: GeoDbInfo } | null> => {
      for (const d of dirs) {
        for (const name of SEARCH_NAMES[role]) {
          const p = join(d, name);
          if (!existsSync(p)) continue;
          try {
            return await openMmdb(role, { path: p, origin: 'search', via: `GeoIP database found at ${p}` });
          } catch (e) {
            g.warnings.push(`${(e as Error).message}: skipped`);
          }
        }
      }
      return null;
    };
    const named = async (role: GeoRole, c: Candidate | null) => (c ? openMmdb(role, c) : null);

    // Named databases first (they must open, or the run stops); then the search fills in.
    const cityC = pick('city');
    const countryC = pick('country');
    const asnC = pick('asn');
    const city = cityC ? await named('city', cityC) : countryC ? null : await search('city');
    const country = countryC ? await named('country', countryC) : city ? null : await search('country');
    const asn = asnC ? await named('asn', asnC) : await search('asn');

    if (city) {
      g.city = city.reader;
      g.dbs.push(city.info);
    }
    if (country) {
      g.country = country.reader;
      g.dbs.push(country.info);
    }
    if (asn) {
      g.asnDb = asn.reader;
      g.dbs.push(asn.info);
    }
    if (opts.useEmbedded !== false) {
      if (!g.city && !g.country) {
        const path = embeddedCountryDbPath();
        const { reader, info } = await openMmdb('country', { path, origin: 'embedded', via: 'embedded country database' });
        g.country = reader;
        info.license = 'CC0-1.0 (ip-location-db geo-whois-asn-country; data from NRO/RIRs)';
        g.dbs.push(info);
      }
      if (!g.asnDb) {
        const t = await AsnTable.loadAsync(EMBEDDED_ASN_TABLE);
        g.asnTable = t;
        g.dbs.push({
          role: 'asn',
          path: EMBEDDED_ASN_TABLE,
          databaseType: `${t.header.format} (@ip-location-db/asn ${t.header.sourceVersion})`,
          buildDate: t.header.buildDate,
          origin: 'embedded',
          license: 'CC BY 4.0 (ip-location-db asn: RouteViews, DB-IP, NRO)',
        });
      }
    }
    return g;
  }

  /** Databases in use, in the order city, country, asn. */
  describe(): GeoDbInfo[] {
    const order: GeoRole[] = ['city', 'country', 'asn'];
    return this.dbs.map((d) => ({ ...d })).sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role));
  }

  /** Cache counters, for the run summary. */
  cacheStats(): { size: number; hits: number; misses: number; evictions: number } {
    return { size: this.cache.size, hits: this.cache.hits, misses: this.cache.misses, evictions: this.cache.evictions };
  }

  /**
   * Class, country and AS of one address. Special-purpose addresses (private, loopback,
   * documentation...) are classified and never looked up. The returned object is shared
   * through the cache: do not modify it.
   */
  lookup(ip: string): GeoInfo {
    const hit = this.cache.get(ip);
    if (hit) return hit;
    const c = classifyIp(ip);
    let info: GeoInfo;
    if (!c.bytes) info = INVALID_GEO;
    else if (c.ipClass !== 'public') info = { ipClass: c.ipClass, country: null, asn: null, asOrg: null };
    else {
      this.dbLookups++;
      info = { ipClass: 'public', country: null, asn: null, asOrg: null };
      const loc = safeGet(this.city ?? this.country, c.text);
      if (loc) {
        info.country = loc.country?.iso_code ?? loc.registered_country?.iso_code ?? loc.country_code ?? null;
        const city = loc.city?.names?.en;
        if (city) info.city = city;
      }
      if (!info.country && this.city && this.country) {
        const r = safeGet(this.country, c.text);
        if (r) info.country = r.country?.iso_code ?? r.registered_country?.iso_code ?? r.country_code ?? null;
      }
      if (this.asnDb) {
        const r = safeGet(this.asnDb, c.text);
        if (r && typeof r.autonomous_system_number === 'number') {
          info.asn = r.autonomous_system_number;
          info.asOrg = r.autonomous_system_organization ?? null;
        }
      } else if (this.asnTable) {
        const r = this.asnTable.lookupBytes(c.bytes);
        if (r) {
          info.asn = r.asn;
          info.asOrg = r.org;
        }
      }
    }
    this.cache.set(ip, info);
    return info;
  }

  /**
   * The finding with both endpoints' GeoInfo. With `homeCountry` (ISO 3166 alpha-2), `abroad`
   * is set when the destination's country is known (false for special-purpose destinations),
   * and a beacon's or clear-text upload's score is raised by ABROAD_SCORE_BONUS points when
   * abroad (capped at 100), its severity re-derived with severityOf (never lowered), unless
   * the detector marked it periodic by design (`details.periodicByDesign`, e.g. NTP). The
   * original score is kept in `details.score_before_abroad`. The input finding is not modified.
   */
  enrich(f: Finding, homeCountry?: string | null): EnrichedFinding {
    const srcGeo = this.lookup(f.srcIp);
    const destGeo = f.destIp ? this.lookup(f.destIp) : null;
    const out: EnrichedFinding = { ...f, srcGeo, destGeo };
    if (homeCountry) {
      const home = homeCountry.toUpperCase();
      if (destGeo && destGeo.country) out.abroad = destGeo.country.toUpperCase() !== home;
      else if (destGeo && destGeo.ipClass !== 'public') out.abroad = false;
      // A beacon the detector already judged periodic by design (NTP, update checks) keeps its score.
      const byDesign = typeof f.details?.periodicByDesign === 'string' && f.details.periodicByDesign !== '';
      if (out.abroad && ABROAD_BONUS_DETECTORS.has(f.detector) && !byDesign) {
        const score = Math.min(100, f.score + ABROAD_SCORE_BONUS);
        const derived = severityOf(score);
        out.score = score;
        out.severity = SEVERITIES.indexOf(derived) > SEVERITIES.indexOf(f.severity) ? derived : f.severity;
        out.details = { ...f.details, score_before_abroad: f.score, abroad_bonus: Math.round((score - f.score) * 1000) / 1000 };
      }
    }
    return out;
  }
}

/**
 * Attribution lines for `konseki --version`: the embedded data, its versions and licences.
 * Cheap: reads a package.json and the AS table's header only.
 */
export function embeddedDataAttribution(): string[] {
  let countryVersion = '?';
  try {
    const req = createRequire(import.meta.url);
    countryVersion = (req(`${EMBEDDED_COUNTRY_PACKAGE}/package.json`) as { version: string }).version;
  } catch {
    countryVersion = 'not installed';
  }
  let asn = '?';
  try {
    const h = AsnTable.readHeader(EMBEDDED_ASN_TABLE);
    asn = `${h.sourceVersion}${h.buildDate ? `, data of ${h.buildDate.slice(0, 10)}` : ''}`;
  } catch {
    asn = 'missing';
  }
  return [
    `GeoIP data (embedded, offline): country from ip-location-db geo-whois-asn-country ${countryVersion} (CC0-1.0; RIR data via NRO);`,
    `AS numbers and names from ip-location-db asn ${asn} (CC BY 4.0: RouteViews, NRO, IP Geolocation by DB-IP https://db-ip.com). See NOTICE.`,
  ];
}
