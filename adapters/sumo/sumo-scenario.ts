import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, isAbsolute, resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';

/**
 * A SUMO XML input as text, gzip-compressed or not: like SUMO, decided by the content (gzip magic bytes), not by
 * the name, so `.net.xml.gz` and a compressed file named `.net.xml` both read.
 */
export function readSumoXmlFile(path: string): string {
  const bytes = readFileSync(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes).toString('utf8');
    } catch (e) {
      throw new Error(`${path}: gzip-compressed but cannot be decompressed (${(e as Error).message})`);
    }
  }
  return bytes.toString('utf8');
}

/** What to simulate: a .sumocfg, or a network and routes; explicit begin/end override the config's. */
export interface SumoScenario {
  configFile?: string;
  netFile?: string;
  routeFiles?: string[];
  additionalFiles?: string[];
  beginSeconds?: number;
  endSeconds?: number;
}

/** A scenario with every file resolved to an absolute path, as SUMO itself would read the config. */
export interface ResolvedScenario {
  configFile?: string;
  netFile: string;
  routeFiles: string[];
  /** Additional files of the config plus the explicit ones. */
  additionalFiles: string[];
  beginSeconds?: number;
  endSeconds?: number;
  stepLengthSeconds?: number;
}

export function resolveScenario(s: SumoScenario): ResolvedScenario {
  const cwd = process.cwd();
  const extra = (s.additionalFiles ?? []).map((f) => resolve(cwd, f));
  if (!s.configFile) {
    if (!s.netFile) throw new Error('a scenario needs --config SCENARIO.sumocfg, or --net NET.xml with --routes ROUTES.rou.xml');
    return {
      netFile: resolve(cwd, s.netFile),
      routeFiles: (s.routeFiles ?? []).map((f) => resolve(cwd, f)),
      additionalFiles: extra,
      beginSeconds: s.beginSeconds,
      endSeconds: s.endSeconds,
    };
  }
  const configFile = resolve(cwd, s.configFile);
  const base = dirname(configFile);
  const opts = readSumoConfig(readSumoXmlFile(configFile));
  const files = (v: string | undefined) => (v ? v.split(/[,\s]+/).filter(Boolean).map((f) => (isAbsolute(f) ? f : resolve(base, f))) : []);
  const net = files(opts.get('net-file') ?? opts.get('n'))[0];
  const netFile = s.netFile ? resolve(cwd, s.netFile) : net;
  if (!netFile) throw new Error(`${configFile}: no net-file in the configuration`);
  const routeFiles = s.routeFiles?.length ? s.routeFiles.map((f) => resolve(cwd, f)) : files(opts.get('route-files') ?? opts.get('r'));
  return {
    configFile,
    netFile,
    routeFiles,
    additionalFiles: [...files(opts.get('additional-files') ?? opts.get('a')), ...extra],
    beginSeconds: s.beginSeconds ?? parseTime(opts.get('begin') ?? opts.get('b')),
    endSeconds: s.endSeconds ?? parseTime(opts.get('end') ?? opts.get('e')),
    stepLengthSeconds: parseTime(opts.get('step-length')),
  };
}

/** Option name -> value of a SUMO configuration file (sections flattened; `value` or `v` attributes). */
export function readSumoConfig(xml: string): Map<string, string> {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as Record<string, unknown>;
  // the root element's name is free (<configuration>, <sumoConfiguration>, even <c>)
  const rootKey = Object.keys(doc).find((k) => !k.startsWith('?') && typeof doc[k] === 'object');
  const root = (rootKey ? doc[rootKey] : {}) as Record<string, unknown>;
  const out = new Map<string, string>();
  const walk = (node: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(node)) {
      if (!v || typeof v !== 'object') continue;
      const rec = v as Record<string, unknown>;
      const val = rec['value'] ?? rec['v'];
      if (typeof val === 'string' || typeof val === 'number') out.set(k, String(val));
      else walk(rec);
    }
  };
  walk(root);
  return out;
}

/** SUMO times: seconds, or H:M:S / D:H:M:S. */
export function parseTime(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  if (v.includes(':')) {
    const parts = v.split(':').map(Number);
    if (parts.some((p) => !Number.isFinite(p))) return undefined;
    if (parts.length === 4) return ((parts[0] * 24 + parts[1]) * 60 + parts[2]) * 60 + parts[3];
    return parts.reduce((s, p) => s * 60 + p, 0);
  }
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}
