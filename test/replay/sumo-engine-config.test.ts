import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arterialCorridorNetwork } from '../../network-models/demo/demo-networks.js';
import { SyntheticDemand } from '../../network-models/synthetic-demand.js';
import { DEFAULT_PLATOON_SHARE, replayDay } from '../../replay/index.js';
import { closedLoopEngine } from '../../replay/replay-sumo.js';

/**
 * What `replay --sumo` gives its closed-loop engine (without SUMO): the replay's engine runs over the span, each
 * with the configuration it ran with; the first one's configures the SUMO engine, later ones are named.
 */
describe("the replay's engine runs, for the closed-loop engine in SUMO", () => {
  const network = arterialCorridorNetwork();
  const t0 = Date.UTC(2026, 10, 23, 7);
  const restartMs = t0 + 10 * 60_000 + 17_000;
  const fault = (atMs: number, event: object) => JSON.stringify({ kind: 'fault', atMs, event });
  const counts = [...new SyntheticDemand(network, { seed: 4 }).day(t0, t0 + 20 * 60_000, 60)].map((c) => ({ atMs: c.timestamp + 2000, line: JSON.stringify({ kind: 'count', atMs: c.timestamp + 2000, record: c }) }));
  const dir = mkdtempSync(join(tmpdir(), 'gw-sumo-engine-'));
  const input = join(dir, 'day.ndjson');
  writeFileSync(
    input,
    [
      fault(t0, { type: 'engine-start', planVersionBase: 500, optimisationPeriodSeconds: 90, engine: { smoothingSeconds: 120 } }),
      ...counts.filter((c) => c.atMs < restartMs).map((c) => c.line),
      fault(restartMs, { type: 'engine-start', planVersionBase: 9000, optimisationPeriodSeconds: 120, engine: { smoothingSeconds: 30 } }),
      ...counts.filter((c) => c.atMs >= restartMs).map((c) => c.line),
    ].join('\n') + '\n',
  );
  const replay = (from?: string) =>
    replayDay({ network, inputPath: input, outDir: join(dir, `out-${from ?? 'all'}`), from, actualPlans: 'acked', platoonShare: DEFAULT_PLATOON_SHARE, speed: 0, compactPlans: true, recordedEngineConfig: (v) => v as object });

  it('a restart: two runs with their recorded configurations; the first configures SUMO, the restart is named', async () => {
    const { engineRuns } = await replay();
    expect(engineRuns).toEqual([
      { startMs: t0, config: { emitKpis: false, smoothingSeconds: 120, optimisationPeriodSeconds: 90, planVersionBase: 500 } },
      { startMs: restartMs, config: { emitKpis: false, smoothingSeconds: 30, optimisationPeriodSeconds: 120, planVersionBase: 9000 } },
    ]);
    const e = closedLoopEngine({ engineRuns, formatTime: (ms) => new Date(ms).toISOString() });
    expect(e.config).toBe(engineRuns[0].config);
    expect(e.text).toBe(
      "the engine in closed loop on SUMO's loops, with the configuration of the replay's engine run from 2026-11-23T07:00:00.000Z (planning every 90 s, plan versions from 500); " +
        "the live engine's restart within the span (2026-11-23T07:10:17.000Z) is not re-enacted: the closed-loop engine runs throughout with that first configuration",
    );
  });

  it('a span from after the restart: only the run in force then, joined with its configuration', async () => {
    const { engineRuns } = await replay('2026-11-23T07:12:00Z');
    expect(engineRuns).toEqual([{ startMs: restartMs, config: { emitKpis: false, smoothingSeconds: 30, optimisationPeriodSeconds: 120, planVersionBase: 9000 } }]);
    expect(closedLoopEngine({ engineRuns }).text).not.toContain('restart');
  });

  it('no recorded start and no run: the defaults, at the period given', () => {
    expect(closedLoopEngine({ engineRuns: [], defaultPeriodSeconds: 300 })).toEqual({
      config: { optimisationPeriodSeconds: 300 },
      text: "the engine in closed loop on SUMO's loops, with its default configuration, planning every 300 s",
    });
  });
});
