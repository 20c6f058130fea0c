import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { PhasePlan } from '../../engine/plan-types.js';
import { cliArgv, runCli } from '../fixtures/run-cli.js';

/**
 * Issue 15: the live demo and `greenwave plan` on the day it recorded must give the same plans. The server runs on
 * 127.0.0.1 with its simulated detectors at 300x (a minute count every 0.2 real seconds, the engine on the
 * simulated clock), a viewer watches the feed, and the plans the server published are compared with `plan`'s.
 */
/** Starts `greenwave` with `args` in `cwd` and waits for its banner; `output()` is what it printed so far. */
async function launchServer(cwd: string, args: string[]): Promise<{ child: ChildProcess; feedUrl: string; output: () => string }> {
  const child = spawn(process.execPath, cliArgv(args), { cwd });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const feedUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${stdout}`)), 30_000);
    child.stdout.on('data', () => {
      const m = /live feed (ws:\/\/127\.0\.0\.1:\d+\/v1\/feed\?token=\S+)/.exec(stdout);
      if (m && stdout.includes('Press Ctrl-C')) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  return { child, feedUrl, output: () => stdout };
}

/** The demo server at 300x on simulated time from `simStart`, recording into `cwd/rec`, until the optimiser has changed plans at `instants` planning instants; stopped with Ctrl-C. */
async function runDemo(cwd: string, simStart: string, instants: number, extra: string[] = []): Promise<void> {
  const args = ['start', '--demo', '--network', 'demo:arterial', '--port', '0', '--speedup', '300', '--sim-start', simStart, '--record', 'rec', '--log-format', 'json', ...extra];
  const { child, feedUrl } = await launchServer(cwd, args);
  const published: PhasePlan[] = [];
  const feed = new WebSocket(feedUrl);
  feed.on('message', (data) => {
    const m = JSON.parse(String(data)) as { type: string; plan?: PhasePlan };
    if (m.type === 'plan') published.push(m.plan!);
  });
  await once(feed, 'open');
  await expect.poll(() => new Set(published.filter((p) => p.source === 'optimizer').map((p) => p.computedAtMs)).size, { timeout: 60_000, interval: 250 }).toBeGreaterThanOrEqual(instants);
  feed.close();
  child.kill('SIGINT');
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
}

type Recorded = { kind: string; atMs: number; plan?: PhasePlan; record?: { timestamp: number }; event?: { type: string; engine?: unknown } };

describe('live and offline on the same counts', () => {
  it('the plans the live server published are the plans `greenwave plan` gives on its recorded day, field for field', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'greenwave-live-offline-'));
    try {
      const args = ['start', '--demo', '--network', 'demo:arterial', '--port', '0', '--speedup', '300', '--sim-start', '06:00', '--record', 'rec', '--log-format', 'json'];
      const { child, feedUrl, output } = await launchServer(cwd, args);
      const stdout = output();
      expect(stdout).toContain('optimising every 60 s of simulated time (0.2 s real)');
      expect(stdout).toContain('detectors reporting every 60 s of simulated time (0.2 s real), the engine on simulated time from 06:00 UTC at 300x');

      const published: PhasePlan[] = [];
      type Kpi = { intersectionId: string; atMs: number; flowVehPerHour: number; maxDegreeOfSaturation: number };
      const liveKpis: Kpi[] = [];
      const feed = new WebSocket(feedUrl);
      feed.on('message', (data) => {
        const m = JSON.parse(String(data)) as { type: string; plan?: PhasePlan } & Kpi;
        if (m.type === 'plan') published.push(m.plan!);
        if (m.type === 'kpi') liveKpis.push({ intersectionId: m.intersectionId, atMs: m.atMs, flowVehPerHour: m.flowVehPerHour, maxDegreeOfSaturation: m.maxDegreeOfSaturation });
      });
      await once(feed, 'open');
      // the simulated morning until the optimiser has changed plans at four planning instants
      const instants = () => new Set(published.filter((p) => p.source === 'optimizer').map((p) => p.computedAtMs)).size;
      await expect.poll(instants, { timeout: 60_000, interval: 250 }).toBeGreaterThanOrEqual(4);
      feed.close();
      child.kill('SIGINT');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);

      const dayFiles = readdirSync(join(cwd, 'rec')).filter((f) => f.endsWith('.ndjson.gz'));
      expect(dayFiles).toHaveLength(1);
      const dayFile = join(cwd, 'rec', dayFiles[0]);
      const recorded = gunzipSync(readFileSync(dayFile)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; plan?: PhasePlan; record?: { timestamp: number } });
      const recordedPlans = recorded.filter((r) => r.kind === 'plan').map((r) => r.plan!);
      // counts stamped in simulated time: the engine ran on the simulated clock, from 06:00
      const firstCount = recorded.find((r) => r.kind === 'count')!.record!;
      expect(new Date(firstCount.timestamp).toISOString().slice(11, 16)).toMatch(/^06:0[0-9]$/);

      const offline = runCli(['plan', '--network', 'demo:arterial', '--counts', dayFile, '--period', '60', '--all']);
      expect(offline.stderr).toMatch(/0 rejected/);
      expect(offline.status).toBe(0);
      const printed = offline.stdout.trim().split('\n').map((l) => JSON.parse(l) as PhasePlan & { type?: string; atMs: number; kpis: Kpi[] });
      const offlinePlans = printed.filter((l) => l.type === undefined);
      // the same demand: every KPI the live feed showed (flow and degree of saturation per signal, from the demand
      // estimated at that instant) is the one `plan` computes at the same instant
      expect(liveKpis.length).toBeGreaterThanOrEqual(6);
      const offlineKpis = new Map(printed.filter((l) => l.type === 'kpi').flatMap((e) => e.kpis.map((k) => [`${k.intersectionId}@${e.atMs}`, k] as const)));
      for (const k of liveKpis) expect(offlineKpis.get(`${k.intersectionId}@${k.atMs}`)).toMatchObject({ flowVehPerHour: k.flowVehPerHour, maxDegreeOfSaturation: k.maxDegreeOfSaturation });
      // the day file says where the live engine stopped: offline plans up to there, and no further
      expect(offlinePlans).toEqual(recordedPlans);
      // and what the feed showed is what was recorded (the feed conflates a signal's plans, never reorders them)
      const byVersion = new Map(recordedPlans.map((p) => [`${p.intersectionId}#${p.version}`, p]));
      for (const p of published) if (p.source === 'optimizer') expect(p).toEqual(byVersion.get(`${p.intersectionId}#${p.version}`));
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 90_000);

  it('a day with a restart and a configuration file: `plan` restarts its engine where the server did, with the configuration each run recorded', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'greenwave-live-restart-'));
    try {
      // the first run on the defaults; the second restarts the simulated morning at 06:00 with its own engine settings
      await runDemo(cwd, '06:00', 2);
      // (the engine section's period is the run's period: it was overridden by the default 60 s)
      writeFileSync(join(cwd, 'greenwave.json'), JSON.stringify({ engine: { smoothingSeconds: 60, maxFutureSkewSeconds: 30, fallbackImpliedDegreeOfSaturation: 0.7, optimisationPeriodSeconds: 30 } }));
      await runDemo(cwd, '06:00', 3, ['--config', 'greenwave.json']);

      const dayFiles = readdirSync(join(cwd, 'rec')).filter((f) => f.endsWith('.ndjson.gz'));
      expect(dayFiles).toHaveLength(1);
      const dayFile = join(cwd, 'rec', dayFiles[0]);
      const recorded = gunzipSync(readFileSync(dayFile)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Recorded);
      const marks = recorded.filter((r) => r.kind === 'fault' && (r.event?.type === 'engine-start' || r.event?.type === 'engine-stop')).map((r) => r.event!.type);
      expect(marks).toEqual(['engine-start', 'engine-stop', 'engine-start', 'engine-stop']);
      const second = recorded.filter((r) => r.event?.type === 'engine-start')[1].event as unknown as { engine: unknown; optimisationPeriodSeconds: number };
      expect(second.engine).toEqual({ smoothingSeconds: 60, maxFutureSkewSeconds: 30, fallbackImpliedDegreeOfSaturation: 0.7, optimisationPeriodSeconds: 30 });
      expect(second.optimisationPeriodSeconds).toBe(30);
      const recordedPlans = recorded.filter((r) => r.kind === 'plan').map((r) => r.plan!);
      const [base1, base2] = recorded.filter((r) => r.event?.type === 'engine-start').map((r) => (r.event as unknown as { planVersionBase: number }).planVersionBase);
      expect(base2).toBeGreaterThan(base1);
      expect(recordedPlans.some((p) => p.version > base2)).toBe(true);

      // no --period: each run's own (60 s, then 30 s)
      const offline = runCli(['plan', '--network', 'demo:arterial', '--counts', dayFile]);
      expect(offline.stderr).toMatch(/0 rejected/);
      expect(offline.stderr).toContain('2 engine runs (the live engine restarted)');
      expect(offline.status).toBe(0);
      const offlinePlans = offline.stdout.trim().split('\n').map((l) => JSON.parse(l) as PhasePlan);
      // each run ends offline where the live engine stopped: the same plans, no more
      expect(offlinePlans).toEqual(recordedPlans);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 120_000);

  it('a run across midnight: each day file names the engine it holds, and `plan` on the second day gives the plans the server issued that day', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'greenwave-live-midnight-'));
    try {
      // simulated time from 23:57 (UTC, the demo network's zone) until past midnight
      await runDemo(cwd, '23:57', 7);
      const dayFiles = readdirSync(join(cwd, 'rec')).filter((f) => f.endsWith('.ndjson.gz')).sort();
      expect(dayFiles).toHaveLength(2);
      const read = (f: string) => gunzipSync(readFileSync(join(cwd, 'rec', f))).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Recorded);
      const [day1, day2] = dayFiles.map(read);
      const marks = (day: Recorded[]) => day.filter((r) => r.kind === 'fault' && /^engine-/.test(r.event?.type ?? '')).map((r) => r.event!.type);
      expect(marks(day1)).toEqual(['engine-start', 'engine-day-end']);
      expect(marks(day2)).toEqual(['engine-start', 'engine-stop']);
      // the second day starts with the engine: its configuration, plan versions, period, and the run it continues
      const [start1, start2] = [day1[0], day2[0]].map((r) => r.event as unknown as { type: string; engine: unknown; planVersionBase: number; optimisationPeriodSeconds: number; continuesRunFromMs?: number; engineAtMs?: number });
      expect(start2).toMatchObject({ type: 'engine-start', engine: start1.engine, planVersionBase: start1.planVersionBase, optimisationPeriodSeconds: 60, continuesRunFromMs: day1[0].atMs });
      expect(new Date(day2[0].atMs).toISOString().slice(11, 16)).toMatch(/^00:0/);
      const plansOf = (day: Recorded[]) => day.filter((r) => r.kind === 'plan').map((r) => r.plan!);
      expect(plansOf(day2).filter((p) => p.source === 'optimizer').length).toBeGreaterThan(0);

      for (const [i, day] of [day1, day2].entries()) {
        const offline = runCli(['plan', '--network', 'demo:arterial', '--counts', join(cwd, 'rec', dayFiles[i])]);
        expect(offline.stderr).toMatch(/0 rejected/);
        expect(offline.status).toBe(0);
        expect(offline.stdout.trim().split('\n').map((l) => JSON.parse(l) as PhasePlan)).toEqual(plansOf(day));
        if (i === 1) expect(offline.stderr).toContain(`read ${join(cwd, 'rec', dayFiles[0])} first (their plans are not printed)`);
      }

      // the second day alone (the first not kept): planned from its own engine-start, and said so
      const alone = mkdtempSync(join(tmpdir(), 'greenwave-day2-'));
      try {
        writeFileSync(join(alone, dayFiles[1]), readFileSync(join(cwd, 'rec', dayFiles[1])));
        const offline = runCli(['plan', '--network', 'demo:arterial', '--counts', join(alone, dayFiles[1])]);
        expect(offline.status).toBe(0);
        expect(offline.stderr).toContain(`${join(alone, dayFiles[0])} is not there`);
        const versions = offline.stdout.trim().split('\n').map((l) => (JSON.parse(l) as PhasePlan).version);
        expect(Math.min(...versions)).toBeGreaterThan(start1.planVersionBase);
      } finally {
        rmSync(alone, { recursive: true, force: true });
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 120_000);
});
