import { DetectorConfig, type AtspmDetector, type DetectorFunction } from './detector-config.js';

/** A detector-configuration row that cannot be used: skipped, reported with its line and the field at fault. */
export interface DetectorConfigProblem {
  lineNo: number;
  message: string;
  /** The row is used without the value at fault (a distance or speed that is no number in range); else skipped. */
  kept?: true;
}

const FEET = 0.3048;
const MPH = 0.44704;

/**
 * ATSPM detector configuration as CSV, in the layouts ATSPM tools export:
 * - Python `atspm`: `DeviceId,Phase,Parameter,Function` (Function `Advance`, `Presence`, `Yellow_Red`, …);
 * - UDOT ATSPM's detector export: signal id, detector channel, phase, detection types (e.g. "Advanced Count;
 *   Stop Bar Presence"), distance from stop bar and approach speed — feet and mph unless the header says
 *   `m`/`metres` or `km/h`/`m/s`.
 * Columns are found by header name. Function names: `Advance`/`Advanced Count` → Advance; `Presence`/`Stop
 * Bar`/`Stop Bar Presence` → Presence and Yellow_Red; `Yellow_Red`; `Count`/`Lane-by-lane Count` → Count;
 * `Ped`/`Pedestrian` → Ped; speed-only types are ignored.
 */
export function parseDetectorConfigCsv(text: string, onProblem: (p: DetectorConfigProblem) => void = () => {}): DetectorConfig {
  const lines = text.split(/\r?\n/);
  const header = splitQuoted(lines[0] ?? '').map((h) => h.toLowerCase().replace(/[\s_]/g, ''));
  const col = (re: RegExp) => header.findIndex((h) => re.test(h));
  const c = {
    device: col(/^(deviceid|signalid|signal|locationidentifier|location|intersectionid)$/),
    channel: col(/^(parameter|detchannel|detectorchannel|channel|detector|detectorid)$/),
    phase: col(/^(protectedphase|phase|phasenumber)$/),
    fn: col(/^(function|detectiontypes?|detectortype|type)$/),
    distance: col(/distance/),
    speed: col(/speed/),
  };
  const missing = (['device', 'channel', 'phase', 'fn'] as const).filter((k) => c[k] < 0);
  if (missing.length > 0)
    throw new Error(`detector configuration header ${JSON.stringify(lines[0] ?? '')}: no column for ${missing.map((k) => ({ device: 'the device (DeviceId / SignalID)', channel: 'the channel (Parameter / Det Channel)', phase: 'the phase (Phase)', fn: 'the function (Function / Detection Types)' })[k]).join(', ')}`);
  const distanceScale = /(^|\()m(\)|$)|metre|meter/.test(header[c.distance] ?? '') ? 1 : FEET;
  const speedHeader = header[c.speed] ?? '';
  const speedScale = /km\/?h|kph/.test(speedHeader) ? 1 / 3.6 : /m\/s|mps/.test(speedHeader) ? 1 : MPH;
  const out: AtspmDetector[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const f = splitQuoted(lines[i]);
    const lineNo = i + 1;
    const deviceId = f[c.device] ?? '';
    const channel = Number(f[c.channel]);
    const phase = Number(f[c.phase]);
    if (deviceId === '') {
      onProblem({ lineNo, message: 'device id is empty' });
      continue;
    }
    if (!Number.isInteger(channel) || channel < 1 || channel > 255) {
      onProblem({ lineNo, message: `channel ${JSON.stringify(f[c.channel])} must be a whole number 1..255` });
      continue;
    }
    if (!Number.isInteger(phase) || phase < 1 || phase > 16) {
      onProblem({ lineNo, message: `phase ${JSON.stringify(f[c.phase])} must be a whole number 1..16` });
      continue;
    }
    const functions = functionsOf(f[c.fn] ?? '');
    if (functions.length === 0) {
      onProblem({ lineNo, message: `function ${JSON.stringify(f[c.fn])} is none of Advance, Presence (Stop Bar), Yellow_Red, Count (Lane-by-lane Count), Ped` });
      continue;
    }
    const d: AtspmDetector = { deviceId, channel, phase, functions };
    // A distance or speed out of range leaves the detector's arrivals where it is: said, the row still used.
    const distanceText = c.distance >= 0 ? (f[c.distance] ?? '') : '';
    if (distanceText !== '') {
      const distance = Number(distanceText);
      if (Number.isFinite(distance) && distance >= 0) d.distanceFromStopBarMetres = distance * distanceScale;
      else onProblem({ lineNo, kept: true, message: `distance from stop bar ${JSON.stringify(distanceText)} must be a number ≥ 0 (${distanceScale === 1 ? 'm' : 'ft'}); the detector is kept, its actuations not moved to the stop bar` });
    }
    const speedText = c.speed >= 0 ? (f[c.speed] ?? '') : '';
    if (speedText !== '') {
      const speed = Number(speedText);
      if (Number.isFinite(speed) && speed > 0) d.approachSpeedMetresPerSecond = speed * speedScale;
      else onProblem({ lineNo, kept: true, message: `approach speed ${JSON.stringify(speedText)} must be a number > 0 (${speedScale === 1 ? 'm/s' : speedScale === MPH ? 'mph' : 'km/h'}); the detector is kept, its actuations not moved to the stop bar` });
    }
    // One row a function in the Python layout: merge rows of the same device, channel and phase.
    const same = out.find((o) => o.deviceId === deviceId && o.channel === channel && o.phase === phase);
    if (same) {
      for (const fn of functions) if (!same.functions.includes(fn)) same.functions.push(fn);
      same.distanceFromStopBarMetres ??= d.distanceFromStopBarMetres;
      same.approachSpeedMetresPerSecond ??= d.approachSpeedMetresPerSecond;
    } else out.push(d);
  }
  return new DetectorConfig(out);
}

function functionsOf(text: string): DetectorFunction[] {
  const out = new Set<DetectorFunction>();
  for (const part of text.split(/[;,|/]/)) {
    const t = part.toLowerCase().replace(/[\s_-]/g, '');
    if (t === '') continue;
    if (t === 'advance' || t.startsWith('advancecount') || t.startsWith('advancedcount')) out.add('Advance');
    else if (t === 'presence' || t.startsWith('stopbar')) {
      out.add('Presence');
      out.add('Yellow_Red');
    } else if (t === 'yellowred') out.add('Yellow_Red');
    else if (t === 'count' || t.startsWith('lanebylane')) out.add('Count');
    else if (t === 'ped' || t.startsWith('pedestrian')) out.add('Ped');
  }
  return [...out];
}

/** One CSV line, quoted fields with doubled quotes read. */
export function splitQuoted(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}
