import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSumoClosedLoop, type ClosedLoopSummary } from '../../adapters/sumo/run-closed-loop.js';
import { EngineControl } from '../../adapters/sumo/control/engine-control.js';
import type { LoopController } from '../../adapters/sumo/control/loop-controller.js';
import type { TraciClient } from '../../adapters/sumo/traci/traci-client.js';
import { SumoProcess, liveSumoProcessCount } from '../../adapters/sumo/sumo-process.js';
import { summarizeTripinfo } from '../../adapters/sumo/tripinfo-summary.js';
import { generateScenario } from '../../bench/sumo/generate-scenarios.js';
import { SCENARIOS } from '../../bench/sumo/scenario-definitions.js';
import { SKIP_SUMO, workDir } from './sumo-kit.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(SKIP_SUMO)('closed loop with SUMO (small grid, 15 simulated minutes)', () => {
  const dir = workDir('loop');
  let cfg = '';
  let net = '';
  beforeAll(() => {
    const grid = SCENARIOS.find((s) => s.name === 'grid3-1lane')!;
    cfg = generateScenario(grid, dir);
    net = join(dir, grid.name, `${grid.name}.net.xml`);
  });
  afterEach(() => {
    expect(liveSumoProcessCount()).toBe(0);
  });

  const run = (control: 'engine' | 'static', extra: Partial<Parameters<typeof runSumoClosedLoop>[0]> = {}) =>
    runSumoClosedLoop({ scenario: { configFile: cfg, endSeconds: 900 }, seed: 1, control, ...extra });

  it('plans reach SUMO and the engine beats SUMO\'s static program on mean time loss', async () => {
    const tripinfo = join(dir, 'engine.tripinfo.xml');
    const engine: ClosedLoopSummary = await run('engine', { tripinfoFile: tripinfo });
    const fixed = await run('static');
    expect(engine.planUpdates).toBeGreaterThan(0);
    expect(engine.plansRejected).toBe(0);
    expect(engine.vehicles).toBeGreaterThan(100);
    expect(engine.vehicles).toBe(fixed.vehicles);
    expect(engine.meanTimeLoss).toBeLessThan(fixed.meanTimeLoss);
    // the kept tripinfo includes the vehicles still driving at the end
    expect(existsSync(tripinfo)).toBe(true);
    const kept = summarizeTripinfo(readFileSync(tripinfo, 'utf8'));
    expect(kept.vehicles).toBe(engine.vehicles);
    expect(kept.arrived).toBeLessThan(kept.vehicles);
  }, 120_000);

  it("the engine plans while SUMO simulates: one message a step, the step already sent when the counts and plans are made", async () => {
    const engine = new EngineControl();
    // counts TraCI messages: this run goes over TraCI
    let client: TraciClient | undefined;
    let steps = 0;
    let firstStepMessages = 0;
    const sentBeforePlanning: number[] = [];
    let sentAtDecision = 0;
    const recorder: LoopController = {
      mode: 'engine',
      init: async (ctx) => {
        client = ctx.client as TraciClient;
        await engine.init(ctx);
      },
      afterStep: async (t) => {
        if (steps++ === 0) firstStepMessages = client!.messagesSent;
        await engine.afterStep(t);
        sentAtDecision = client!.messagesSent;
      },
      whileStepping: (t) => {
        sentBeforePlanning.push(client!.messagesSent - sentAtDecision);
        engine.whileStepping(t);
      },
      stats: () => engine.stats(),
      dispose: () => engine.dispose(),
    };
    const summary = await runSumoClosedLoop({ scenario: { configFile: cfg, endSeconds: 300 }, seed: 1, control: 'engine', controller: recorder, binding: 'traci' });
    expect(summary.planUpdates).toBeGreaterThan(0);
    // every planning slot came after the next step had gone out
    expect(sentBeforePlanning.length).toBe(steps - 1);
    expect(sentBeforePlanning.every((n) => n === 1)).toBe(true);
    // no extra round trip at the ends of the count intervals (10 of them in 300 s): the other steps, and the close
    expect(client!.messagesSent - firstStepMessages).toBe(steps - 1 + 1);
  }, 120_000);

  it('max-pressure from the loops alone switches phases on the queues it estimates and moves the traffic', async () => {
    const lanes = await runSumoClosedLoop({ scenario: { configFile: cfg, endSeconds: 600 }, seed: 1, control: 'max-pressure' });
    const loops = await runSumoClosedLoop({ scenario: { configFile: cfg, endSeconds: 600 }, seed: 1, control: 'max-pressure', maxPressure: { queues: 'loops' } });
    expect(loops.vehicles).toBe(lanes.vehicles);
    expect(loops.planUpdates).toBeGreaterThan(50);
    // a different source of queues gives different decisions, and no gridlock on this grid
    expect(loops.planUpdates).not.toBe(lanes.planUpdates);
    expect(loops.arrived).toBeGreaterThan(loops.vehicles * 0.5);
    expect(loops.teleports).toBe(0);
  }, 120_000);

  it('reports SUMO crashing mid-run, and leaves no process behind', async () => {
    const err = await run('engine', {
      binding: 'traci',
      onSumoStarted: (sumo) => setTimeout(() => sumo.child.kill('SIGKILL'), 300),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GW_ERR_SUMO_EXITED' });
    expect((err as Error).message).toContain('SIGKILL');
  });

  it('says how to install SUMO when it is missing, whatever the control', async () => {
    for (const control of ['static', 'engine'] as const) {
      const err = await run(control, { sumoBinary: join(dir, 'no-such-sumo') }).catch((e: unknown) => e);
      expect(err, control).toMatchObject({ code: 'GW_ERR_SUMO_NOT_FOUND' });
      expect((err as Error).message).toContain('apt-get install -y sumo sumo-tools');
    }
  });

  it('refuses a SUMO that speaks another TraCI version, and kills it', async () => {
    const err = await SumoProcess.launch({ args: ['-n', net], expectedApiVersion: 19 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GW_ERR_TRACI_VERSION' });
    expect((err as Error).message).toMatch(/API 20.*API 19/);
  });

  it('reports a SUMO that refuses its input before the connection, with its own message', async () => {
    const err = await SumoProcess.launch({ args: ['-n', join(dir, 'missing.net.xml')] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GW_ERR_SUMO_START' });
    expect((err as Error).message).toMatch(/missing\.net\.xml/);
  });

  it('SUMO ends when the process driving it is killed (no orphan)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'launch-and-hang.ts'), net], { stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      child.once('exit', (code) => reject(new Error(`fixture exited early (${code})`)));
    });
    expect(alive(pid)).toBe(true);
    child.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
  }, 30_000);
});
