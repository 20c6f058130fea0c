/**
 * One corpus run (scenario x control x seed x teleport mode) and what it measured. Runs in a child process of the
 * corpus runner: `node --import tsx bench/sumo/corpus/corpus-cell.ts '<CellSpec JSON>'` prints one JSON line.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { runSumoClosedLoop, summarizeTripinfo, type ControlMode } from '../../../adapters/sumo/index.js';

export type TeleportMode = 'default' | 'off';

export interface CellSpec {
  scenario: string;
  configFile: string;
  control: ControlMode;
  seed: number;
  teleport: TeleportMode;
  /** Engine control options (JSON), as run-sumo-bench's --engine-options. */
  engineOptions?: Record<string, unknown>;
  /** Every flow, trip and vehicle of the scenario's demand scaled by this factor (SUMO's `--scale`); absent: 1. */
  demandScale?: number;
}

export interface CellMetrics {
  /** Mean over every vehicle due to depart of timeLoss + departDelay (never inserted: its wait to the end), s. */
  meanTimeLossSeconds: number;
  p95TimeLossSeconds: number;
  /** Vehicles due to depart (inserted + never inserted). */
  vehiclesDue: number;
  inserted: number;
  arrived: number;
  /** Vehicles due but never inserted, and their waits to the end summed. */
  neverInserted: number;
  neverInsertedWaitSeconds: number;
  /** Vehicles waiting in SUMO's insertion queue at the end. */
  insertionBacklogAtEnd: number;
  teleports: number;
  teleportsJam: number;
  /** Vehicles still in the network at the end that had stood 300 s or more. */
  jammed: number;
  simulatedSeconds: number;
  wallSeconds: number;
}

export interface CellResult extends CellSpec {
  metrics?: CellMetrics;
  error?: string;
}

/** SUMO's statistic output: teleports by cause. */
export function readTeleports(xml: string): { total: number; jam: number } {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as { statistics?: { teleports?: Record<string, string> } };
  const t = doc.statistics?.teleports ?? {};
  return { total: Number(t['total'] ?? 0) || 0, jam: Number(t['jam'] ?? 0) || 0 };
}

export async function runCell(spec: CellSpec): Promise<CellMetrics> {
  const work = mkdtempSync(join(tmpdir(), 'greenwave-corpus-'));
  try {
    const tripinfo = join(work, 'tripinfo.xml');
    const statistics = join(work, 'statistics.xml');
    const summary = await runSumoClosedLoop({
      scenario: { configFile: spec.configFile },
      seed: spec.seed,
      control: spec.control,
      tripinfoFile: tripinfo,
      engine: spec.engineOptions,
      sumoArgs: [
        '--tripinfo-output.write-undeparted', 'true',
        '--statistic-output', statistics,
        ...(spec.teleport === 'off' ? ['--time-to-teleport', '-1'] : []),
        ...(spec.demandScale !== undefined ? ['--scale', String(spec.demandScale)] : []),
      ],
    });
    const trips = summarizeTripinfo(readFileSync(tripinfo, 'utf8'));
    const teleports = readTeleports(readFileSync(statistics, 'utf8'));
    const due = trips.vehicles + trips.neverInserted;
    return {
      meanTimeLossSeconds: due === 0 ? 0 : round2((trips.totalTimeLossSeconds + trips.neverInsertedWaitSeconds) / due),
      p95TimeLossSeconds: trips.p95TimeLoss,
      vehiclesDue: due,
      inserted: trips.vehicles,
      arrived: trips.arrived,
      neverInserted: trips.neverInserted,
      neverInsertedWaitSeconds: trips.neverInsertedWaitSeconds,
      insertionBacklogAtEnd: summary.notInserted,
      teleports: teleports.total,
      teleportsJam: teleports.jam,
      jammed: trips.jammed,
      simulatedSeconds: summary.simulatedSeconds,
      wallSeconds: summary.wallSeconds,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as CellSpec;
  runCell(spec)
    .then((metrics) => process.stdout.write(`${JSON.stringify({ ...spec, metrics } satisfies CellResult)}\n`))
    .catch((e: unknown) => {
      process.stdout.write(`${JSON.stringify({ ...spec, error: (e as Error).message.split('\n').slice(0, 4).join(' | ') } satisfies CellResult)}\n`);
    });
}
