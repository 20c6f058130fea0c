import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NetworkFile } from '../../network-models/network-types.js';
import type { PhasePlan } from '../../engine/plan-types.js';
import { importSumoNetwork } from '../../network-models/importers/sumo/index.js';
import { SyntheticDemand } from '../../network-models/synthetic-demand.js';
import type { ReplaySummary } from '../../replay/replay-summary.js';
import { SumoDemand } from '../../replay/sumo-demand.js';
import { replayInSumo } from '../../replay/replay-sumo.js';
import { runCli } from '../fixtures/run-cli.js';
import { SKIP_SUMO, netgenerate, workDir } from '../sumo/sumo-kit.js';

const GRID = ['--grid', '--grid.number', '3', '--grid.length', '200', '--grid.attach-length', '150', '--default.lanenumber', '1', '--tls.guess', 'true', '--default-junction-type', 'traffic_light', '--no-turnarounds', 'true'];
const T0 = Date.UTC(2026, 10, 23, 8);

function countLines(network: NetworkFile, minutes: number): string[] {
  return [...new SyntheticDemand(network, { seed: 3 }).day(T0, T0 + minutes * 60_000, 60)].map((c) => JSON.stringify({ kind: 'count', atMs: c.timestamp, record: c }));
}

describe.skipIf(SKIP_SUMO)('greenwave replay --sumo (3x3 SUMO grid, 20 minutes of counts)', () => {
  const dir = workDir('replay-sumo');
  let netFile = '';
  let networkFile = '';
  let network: NetworkFile;
  let input = '';
  beforeAll(() => {
    netFile = netgenerate(dir, 'grid3', GRID).file;
    networkFile = join(dir, 'grid3.json');
    const r = runCli(['import-sumo', netFile, '-o', networkFile, '-q']);
    expect(r.status).toBe(0);
    network = JSON.parse(readFileSync(networkFile, 'utf8')) as NetworkFile;
    input = join(dir, 'day.ndjson');
    writeFileSync(input, `${countLines(network, 20).join('\n')}\n`);
  });

  it('demand: entry-link counts become vehicles on connected routes that leave the network', () => {
    const demand = new SumoDemand(network);
    const entries = new Set(network.links.filter((l) => l.fromIntersectionId === null).map((l) => l.id));
    const stopOf = new Map(network.detectors.filter((d) => d.kind === 'stop-line').map((d) => [d.id, d.linkId]));
    let entryCount = 0;
    for (const line of countLines(network, 20)) {
      const { atMs, record } = JSON.parse(line) as { atMs: number; record: { detectorId: string; count: number; intervalSeconds: number } };
      demand.count(record.detectorId, atMs, record.intervalSeconds, record.count);
      if (entries.has(stopOf.get(record.detectorId) ?? '')) entryCount += record.count;
    }
    const r = demand.routes(T0, T0 + 20 * 60_000, 1);
    expect(r.entryLinks).toBe(12);
    expect(r.entryLinksWithoutCounts).toEqual([]);
    // one lane per link: every counted entry vehicle departs (fractions carried within a link)
    expect(r.vehicles).toBe(entryCount);
    expect(r.vehicles).toBeGreaterThan(500);
    const moves = new Set(network.intersections.flatMap((x) => x.movements.map((m) => `${m.fromLinkId} ${m.toLinkId}`)));
    const exits = new Set(network.links.filter((l) => l.toIntersectionId === null).map((l) => l.id));
    const vehicles = [...r.xml.matchAll(/depart="([\d.]+)".*?edges="([^"]+)"/g)];
    expect(vehicles).toHaveLength(r.vehicles);
    let last = 0;
    for (const [, depart, edges] of vehicles) {
      expect(Number(depart)).toBeGreaterThanOrEqual(last);
      expect(Number(depart)).toBeLessThanOrEqual(20 * 60);
      last = Number(depart);
      const e = edges.split(' ');
      expect(entries.has(e[0])).toBe(true);
      expect(exits.has(e[e.length - 1])).toBe(true);
      for (let i = 1; i < e.length; i++) expect(moves.has(`${e[i - 1]} ${e[i]}`)).toBe(true);
    }
    // deterministic for a seed
    expect(demand.routes(T0, T0 + 20 * 60_000, 1).xml).toBe(r.xml);
  });

  it('demand: on a grid whose fringe nodes are signals too, the links out of the dead ends are the entries', () => {
    const xml = netgenerate(dir, 'fringe', ['--grid', '--grid.number', '3', '--grid.attach-length', '150', '--default-junction-type', 'traffic_light']).xml;
    const fringe = importSumoNetwork(xml).network;
    expect(fringe.links.some((l) => l.fromIntersectionId === null)).toBe(false);
    const demand = new SumoDemand(fringe);
    for (const d of fringe.detectors) if (d.kind === 'stop-line') demand.count(d.id, T0 + 60_000, 60, 4);
    const r = demand.routes(T0, T0 + 60_000, 1);
    expect(r.entryLinks).toBe(12);
    expect(r.vehicles).toBe(12 * 4);
    const uturns = new Set(fringe.intersections.flatMap((x) => x.movements.filter((m) => m.turn === 'uturn').map((m) => `${m.fromLinkId} ${m.toLinkId}`)));
    expect(uturns.size).toBeGreaterThan(0);
    for (const [, edges] of r.xml.matchAll(/edges="([^"]+)"/g)) {
      const e = edges.split(' ');
      for (let i = 1; i < e.length; i++) expect(uturns.has(`${e[i - 1]} ${e[i]}`)).toBe(false);
    }
  });

  it('simulates the replayed demand under the actual plans and under the engine; both time losses in summary, --json and report', () => {
    const out = join(dir, 'out');
    const r = runCli(['replay', '--network', networkFile, '--input', input, '--out', out, '--sumo', '--sumo-net', netFile, '--sumo-drain', '120', '--json', '--no-progress']);
    expect(r.stderr).toContain('SUMO mean time loss');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as ReplaySummary;
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as ReplaySummary;
    for (const s of [json, summary]) {
      const m = s.sumo!;
      expect(m.vehicles).toBeGreaterThan(500);
      expect(m.simulatedSeconds).toBe(20 * 60 + 120);
      expect(m.actual.control).toBe('static');
      expect(m.engine.control).toBe('engine');
      expect(m.actual.vehicles + m.actual.notInserted).toBe(m.vehicles);
      expect(m.engine.vehicles + m.engine.notInserted).toBe(m.vehicles);
      expect(m.actual.meanTimeLoss).toBeGreaterThan(0);
      expect(m.engine.meanTimeLoss).toBeGreaterThan(0);
      expect(m.engine.planUpdates).toBeGreaterThan(0);
      expect(m.timeLossRatio).toBeCloseTo(m.engine.meanTimeLoss / m.actual.meanTimeLoss, 2);
      expect(m.demandModel).toContain('random walk');
      expect(m.actualControl).toContain("network's own signal programs");
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('Simulated in SUMO');
    expect(html).toContain('mean time loss (s/veh)');
    expect(readFileSync(join(out, 'sumo-demand.rou.xml'), 'utf8')).toContain('<vehicle id="r0"');
  }, 60_000);

  it('plays recorded plans into SUMO as the actual run, at their times and through the safety gate', () => {
    // A day as the live engine records it: the counts, the plans it issued and the controllers' acks.
    const first = join(dir, 'engine-day');
    expect(runCli(['replay', '--network', networkFile, '--input', input, '--out', first, '--no-progress']).status).toBe(0);
    const plans = readFileSync(join(first, 'plans.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PhasePlan);
    expect(plans.length).toBeGreaterThan(9);
    const lines = [
      ...countLines(network, 20).map((l) => ({ atMs: (JSON.parse(l) as { atMs: number }).atMs, line: l })),
      ...plans.flatMap((p) => [
        { atMs: p.computedAtMs, line: JSON.stringify({ kind: 'plan', atMs: p.computedAtMs, plan: p }) },
        { atMs: p.computedAtMs + 1000, line: JSON.stringify({ kind: 'ack', atMs: p.computedAtMs + 1000, intersectionId: p.intersectionId, version: p.version, accepted: true }) },
      ]),
    ].sort((a, b) => a.atMs - b.atMs);
    const day = join(dir, 'recorded-day.ndjson');
    writeFileSync(day, `${lines.map((l) => l.line).join('\n')}\n`);
    const out = join(dir, 'out-recorded');
    const r = runCli(['replay', '--network', networkFile, '--input', day, '--out', out, '--sumo', '--sumo-net', netFile, '--sumo-drain', '120', '--json', '--no-progress']);
    expect(r.status).toBe(0);
    const m = (JSON.parse(r.stdout) as ReplaySummary).sumo!;
    expect(m.actual.control).toBe('actual plans');
    expect(m.actualControl).toContain('acked recorded plans');
    expect(m.actualControl).toContain('played in time');
    // every recorded plan that reached its signal's phase boundary before the end was loaded
    expect(m.actual.planUpdates).toBeGreaterThan(plans.length / 2);
    expect(m.actual.planUpdates).toBeLessThanOrEqual(plans.length + 9);
    expect(m.actual.meanTimeLoss).toBeGreaterThan(0);
    expect(m.actual.vehicles + m.actual.notInserted).toBe(m.vehicles);
  }, 90_000);

  it('the closed-loop engine runs with the configuration of the replay\'s engine run from the recorded engine start; a restart is named, not re-enacted', () => {
    const restartMs = T0 + 10 * 60_000 + 17_000;
    const fault = (atMs: number, event: object) => JSON.stringify({ kind: 'fault', atMs, event });
    const counts = countLines(network, 20);
    const atMsOf = (l: string) => (JSON.parse(l) as { atMs: number }).atMs;
    const day = join(dir, 'restart-day.ndjson');
    writeFileSync(
      day,
      [
        fault(T0, { type: 'engine-start', planVersionBase: 500, optimisationPeriodSeconds: 90, engine: { smoothingSeconds: 120 } }),
        ...counts.filter((l) => atMsOf(l) < restartMs),
        fault(restartMs, { type: 'engine-start', planVersionBase: 9000, optimisationPeriodSeconds: 120, engine: { smoothingSeconds: 30 } }),
        ...counts.filter((l) => atMsOf(l) >= restartMs),
      ].join('\n') + '\n',
    );
    const out = join(dir, 'out-restart');
    const r = runCli(['replay', '--network', networkFile, '--input', day, '--out', out, '--sumo', '--sumo-net', netFile, '--sumo-drain', '60', '--json', '--no-progress']);
    expect(r.status, r.stderr).toBe(0);
    const m = (JSON.parse(r.stdout) as ReplaySummary).sumo!;
    // before: the closed-loop engine planned every 60 s with its defaults whatever the day file recorded
    expect(m.engineConfig).toEqual({ emitKpis: false, smoothingSeconds: 120, optimisationPeriodSeconds: 90, planVersionBase: 500 });
    expect(m.engineControl).toContain('planning every 90 s, plan versions from 500');
    expect(m.engineControl).toContain("restart within the span (2026-11-23T08:10:17");
    expect(m.engineControl).toContain('not re-enacted');
    expect(m.engine.planUpdates).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('Engine in SUMO: the engine in closed loop');
    // the replay's own engine, beside it, issued the plans `greenwave plan` issues for that day
    const planned = runCli(['plan', '--network', networkFile, '--counts', day]);
    expect(planned.status, planned.stderr).toBe(0);
    const replayed = readFileSync(join(out, 'plans.ndjson'), 'utf8');
    expect(replayed.trim().split('\n').map((l) => JSON.parse(l) as PhasePlan)).toEqual(planned.stdout.trim().split('\n').map((l) => JSON.parse(l) as PhasePlan));
    expect(replayed).toContain('"version":9001');
  }, 90_000);

  it('refuses --sumo without --sumo-net, and a SUMO network the network was not imported from', () => {
    const a = runCli(['replay', '--network', networkFile, '--input', input, '--out', join(dir, 'x'), '--sumo', '--no-progress']);
    expect(a.status).toBe(2);
    expect(a.stderr).toContain('--sumo needs --sumo-net');
    const b = runCli(['replay', '--network', 'demo:arterial', '--input', input, '--out', join(dir, 'y'), '--sumo', '--sumo-net', netFile, '--no-progress']);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/does not match the network: \d+ of its \d+ links are not edges/);
  });

  it('refuses to simulate when no entry link counted anything, before starting SUMO', async () => {
    const err = await replayInSumo({ network, netFile, demand: new SumoDemand(network), fromMs: T0, toMs: T0 + 60_000, outDir: dir, actualPlanSource: 'fallback', actualIsFallback: true }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('no demand for SUMO: no stop-line counts on any of the 12 entry links');
  });

  it('the imported network and the SUMO net agree on link ids (what --sumo relies on)', () => {
    const again = importSumoNetwork(readFileSync(netFile, 'utf8'), { source: netFile }).network;
    expect(again.links.map((l) => l.id).sort()).toEqual(network.links.map((l) => l.id).sort());
  });
});
