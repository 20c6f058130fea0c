import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PhasePlan } from '../../engine/plan-types.js';
import { runCli } from '../fixtures/run-cli.js';

/**
 * `greenwave replay` runs its engine over a day file as `greenwave plan` does: one run per recorded engine start,
 * with that start's time, configuration, optimisation period and plan version base, ended by a stop or the next
 * start; a day that continues a run from the day before is read after that run's earlier days.
 */
describe('replay follows the engine starts a day file recorded, as plan does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-replay-starts-'));
  /** A count record as the recorder writes it: received 2 s after its interval's end. */
  const synthDay = (date: string, from: string, to: string) =>
    runCli(['synth-counts', '--network', 'demo:arterial', '--date', date, '--from', from, '--to', to, '--seed', '7']).stdout.trim().split('\n').map((l) => {
      const record = JSON.parse(l) as { timestamp: string | number };
      return { atMs: (typeof record.timestamp === 'number' ? record.timestamp : Date.parse(record.timestamp)) + 2000, line: JSON.stringify({ kind: 'count', atMs: 0, record }) };
    }).map(({ atMs, line }) => line.replace('"atMs":0', `"atMs":${atMs}`));
  const atMsOf = (line: string) => (JSON.parse(line) as { atMs: number }).atMs;
  const fault = (atMs: number, event: object) => JSON.stringify({ kind: 'fault', atMs, event });
  const plansOf = (text: string) => text.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as PhasePlan);
  const replayPlans = (input: string, out: string, extra: string[] = []) => {
    const r = runCli(['replay', '--network', 'demo:arterial', '--input', input, '--out', out, '--no-progress', ...extra]);
    expect(r.status, r.stderr).toBe(0);
    return { plans: plansOf(readFileSync(join(out, 'plans.ndjson'), 'utf8')), stderr: r.stderr, summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { engineRuns?: number; optimisations: number; countsAccepted: number } };
  };
  const planPlans = (input: string) => {
    const r = runCli(['plan', '--network', 'demo:arterial', '--counts', input]);
    expect(r.status, r.stderr).toBe(0);
    return plansOf(r.stdout);
  };

  it('a restart with another configuration, period and plan version base: replay issues the plans plan does', () => {
    const counts = synthDay('2026-11-23', '07:00', '07:40');
    const t0 = Date.UTC(2026, 10, 23, 7);
    const restartMs = t0 + 20 * 60_000 + 17_000;
    const first = counts.filter((l) => atMsOf(l) < restartMs);
    const second = counts.filter((l) => atMsOf(l) >= restartMs);
    const day = join(dir, 'restart.ndjson.gz');
    writeFileSync(
      day,
      gzipSync(
        [
          fault(t0, { type: 'engine-start', planVersionBase: 500, optimisationPeriodSeconds: 60, engine: { smoothingSeconds: 120 } }),
          ...first,
          // a crash: no stop, the server started again with a changed configuration
          fault(restartMs, { type: 'engine-start', planVersionBase: 9000, optimisationPeriodSeconds: 120, engine: { smoothingSeconds: 30 } }),
          ...second,
          fault(t0 + 40 * 60_000 + 5000, { type: 'engine-stop' }),
        ].join('\n') + '\n',
      ),
    );
    const expected = planPlans(day);
    const replayed = replayPlans(day, join(dir, 'out-restart'));
    expect(replayed.plans).toEqual(expected);
    // what makes the two runs differ is there: versions from each run's base, the second run every 120 s
    const versions = expected.map((p) => p.version);
    expect(versions.some((v) => v > 500 && v < 9000)).toBe(true);
    expect(versions.some((v) => v > 9000)).toBe(true);
    const laterInstants = [...new Set(expected.filter((p) => p.version > 9000).map((p) => p.computedAtMs))];
    expect(laterInstants.every((t) => (t - restartMs) % 120_000 === 0)).toBe(true);
    expect(replayed.summary.engineRuns).toBe(2);
    // --period given wins over what was recorded, and the replay says so
    const every300 = replayPlans(day, join(dir, 'out-restart-300'), ['--period', '300']);
    expect(every300.stderr).toContain('optimised every 60 s; planning every 300 s plans at other instants');
    expect(every300.summary.optimisations).toBeLessThan(replayed.summary.optimisations);
  });

  it('with --from after the engine started: the run is joined with its configuration, period, planning instants and version base', () => {
    const counts = synthDay('2026-11-23', '07:00', '07:30');
    const t0 = Date.UTC(2026, 10, 23, 7);
    const day = join(dir, 'from.ndjson.gz');
    writeFileSync(day, gzipSync([fault(t0, { type: 'engine-start', planVersionBase: 700, optimisationPeriodSeconds: 120, engine: { smoothingSeconds: 30 } }), ...counts].join('\n')));
    const { plans } = replayPlans(day, join(dir, 'out-from'), ['--from', '07:11']);
    expect(plans.length).toBeGreaterThan(0);
    expect(plans.every((p) => p.version > 700)).toBe(true);
    // the live run's instants (every 120 s from 07:00), none before the span
    expect(plans.every((p) => (p.computedAtMs - t0) % 120_000 === 0 && p.computedAtMs > t0 + 11 * 60_000)).toBe(true);
  });

  it('an unusable recorded configuration stops the replay, naming the record and the key', () => {
    const counts = synthDay('2026-11-23', '07:00', '07:10');
    const day = join(dir, 'bad-config.ndjson.gz');
    writeFileSync(day, gzipSync([fault(Date.UTC(2026, 10, 23, 7), { type: 'engine-start', planVersionBase: 1, optimisationPeriodSeconds: 60, engine: { smoothingSeconds: -5 } }), ...counts].join('\n')));
    const r = runCli(['replay', '--network', 'demo:arterial', '--input', day, '--out', join(dir, 'out-bad'), '--no-progress']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad-config\.ndjson\.gz: record 1: the engine configuration recorded at the engine's start is not usable \(engine\.smoothingSeconds: /);
  });

  it('a day that continues a run from the day before: replay reads the earlier day first, and its plans are plan’s', () => {
    const days = mkdtempSync(join(tmpdir(), 'gw-replay-days-'));
    const runStartMs = Date.UTC(2026, 10, 23, 23, 40);
    const engine = { type: 'engine-start', planVersionBase: 5000, optimisationPeriodSeconds: 60, engine: { smoothingSeconds: 120 } };
    const midnight = Date.UTC(2026, 10, 24);
    const all = [...synthDay('2026-11-23', '23:40', '24:00'), ...synthDay('2026-11-24', '00:00', '00:15')];
    const before = all.filter((l) => atMsOf(l) < midnight);
    const after = all.filter((l) => atMsOf(l) >= midnight);
    const write = (name: string, lines: string[]) => writeFileSync(join(days, name), gzipSync(`${lines.join('\n')}\n`));
    write('greenwave-2026-11-23.ndjson.gz', [fault(runStartMs, engine), ...before, fault(midnight - 1, { type: 'engine-day-end', nextDay: '2026-11-24' })]);
    const secondDay = join(days, 'greenwave-2026-11-24.ndjson.gz');
    write('greenwave-2026-11-24.ndjson.gz', [fault(midnight, { ...engine, continuesRunFromMs: runStartMs, engineAtMs: midnight }), ...after, fault(midnight + 15 * 60_000 + 5000, { type: 'engine-stop' })]);
    const expected = planPlans(secondDay);
    expect(expected.length).toBeGreaterThan(0);
    const replayed = replayPlans(secondDay, join(days, 'out'));
    expect(replayed.stderr).toContain(`read ${join(days, 'greenwave-2026-11-23.ndjson.gz')} first`);
    expect(replayed.plans).toEqual(expected);
    // the summary counts the day's own counts, not the earlier day's
    expect(replayed.summary.countsAccepted).toBe(after.length);
  });
});
