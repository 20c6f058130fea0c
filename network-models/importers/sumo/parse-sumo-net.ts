import { XMLParser } from 'fast-xml-parser';
import type { SumoConnection, SumoEdge, SumoJunction, SumoNet, SumoPhase, SumoTlLogic } from './sumo-net-types.js';
import { SumoImportError } from './sumo-import-error.js';

const ARRAY_TAGS = new Set(['edge', 'lane', 'junction', 'request', 'connection', 'tlLogic', 'phase', 'param', 'roundabout']);

type Attrs = Record<string, string | undefined>;

/** Parses the text of a SUMO `.net.xml` into plain typed data. Throws SumoImportError when it is not a SUMO network. */
export function parseSumoNet(xmlText: string, source = 'net.xml'): SumoNet {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => ARRAY_TAGS.has(name),
  });
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xmlText) as Record<string, unknown>;
  } catch (err) {
    throw new SumoImportError('GW_ERR_SUMO_XML', `${source}: not well-formed XML: ${(err as Error).message}`);
  }
  const net = doc['net'] as Record<string, unknown> | undefined;
  if (!net || typeof net !== 'object')
    throw new SumoImportError('GW_ERR_SUMO_XML', `${source}: no <net> root element; is this a SUMO .net.xml file?`);

  const edges = list(net['edge']).map(readEdge);
  const junctions = list(net['junction']).map(readJunction);
  const connections = list(net['connection']).map(readConnection);
  const tlLogics = list(net['tlLogic']).map(readTlLogic);
  return { version: str(net as Attrs, 'version'), edges, junctions, connections, tlLogics };
}

function list(v: unknown): Attrs[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]) as Attrs[];
}

function str(a: Attrs, key: string): string | undefined {
  const v = a[key];
  return typeof v === 'string' ? v : undefined;
}

function num(a: Attrs, key: string): number | undefined {
  const v = a[key];
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function words(v: string | undefined): string[] {
  return v ? v.split(/\s+/).filter((w) => w.length > 0) : [];
}

function readEdge(a: Attrs): SumoEdge {
  const lanes = list((a as Record<string, unknown>)['lane']).map((l) => ({
    id: str(l, 'id') ?? '',
    index: num(l, 'index') ?? 0,
    speed: num(l, 'speed') ?? 13.89,
    length: num(l, 'length') ?? 0,
    allow: str(l, 'allow'),
    disallow: str(l, 'disallow'),
  }));
  return { id: str(a, 'id') ?? '', from: str(a, 'from'), to: str(a, 'to'), func: str(a, 'function'), name: str(a, 'name'), lanes };
}

function readJunction(a: Attrs): SumoJunction {
  const requests = list((a as Record<string, unknown>)['request']).map((r) => ({
    index: num(r, 'index') ?? 0,
    response: str(r, 'response') ?? '',
    foes: str(r, 'foes') ?? '',
  }));
  return {
    id: str(a, 'id') ?? '',
    type: str(a, 'type') ?? 'unknown',
    x: num(a, 'x') ?? 0,
    y: num(a, 'y') ?? 0,
    incLanes: words(str(a, 'incLanes')),
    intLanes: words(str(a, 'intLanes')),
    requests,
  };
}

function readConnection(a: Attrs): SumoConnection {
  return {
    from: str(a, 'from') ?? '',
    to: str(a, 'to') ?? '',
    fromLane: num(a, 'fromLane') ?? 0,
    toLane: num(a, 'toLane') ?? 0,
    via: str(a, 'via'),
    tl: str(a, 'tl'),
    linkIndex: num(a, 'linkIndex'),
    dir: str(a, 'dir'),
    state: str(a, 'state'),
  };
}

function readTlLogic(a: Attrs): SumoTlLogic {
  const phases: SumoPhase[] = list((a as Record<string, unknown>)['phase']).map((p) => ({
    duration: num(p, 'duration') ?? 0,
    state: str(p, 'state') ?? '',
    minDur: num(p, 'minDur'),
    maxDur: num(p, 'maxDur'),
    name: str(p, 'name'),
    next: str(p, 'next'),
  }));
  return {
    id: str(a, 'id') ?? '',
    type: str(a, 'type') ?? 'static',
    programID: str(a, 'programID') ?? '0',
    offset: num(a, 'offset') ?? 0,
    phases,
  };
}
