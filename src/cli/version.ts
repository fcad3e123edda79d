import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { embeddedDataAttribution } from '../enrich/geoip.js';

/** Root of the installed package (dist/cli/.. /..). */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function packageVersion(): string {
  try {
    return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version as string;
  } catch {
    return '0.0.0';
  }
}

export function versionText(): string {
  return [`konseki ${packageVersion()} (node ${process.version})`, ...embeddedDataAttribution()].join('\n');
}
