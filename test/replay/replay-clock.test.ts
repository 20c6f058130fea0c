import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arterialCorridorNetwork } from '../../network-models/demo/demo-networks.js';
import { SyntheticDemand } from '../../network-models/synthetic-demand.js';
import { runCli } from '../fixtures/run-cli.js';

// `greenwave replay` plans on the count clock (engine/pipeline/count-clock.ts), as `greenwave plan` and the live
// server do: the first planning instant waits for the counts that end on it, so the same counts give the same
// plans whichever of the three runs them.
describe('greenwave replay plans on the count clock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-replay-clock-'));
  const day = Date.UTC(2026, 10, 23);
  const counts = [...new SyntheticDemand(arterialCorridorNetwork(), { seed: 5 }).day(day + 7 * 3_600_000, day + 7 * 3_600_000 + 30 * 60_000, 60)];

  const plansOf = (input: string, name: string) => {
    const plan = runCli(['plan', '--network', 'demo:arterial', '--counts', input]);
    expect(plan.status, plan.stderr).toBe(0);
    const out = join(dir, name);
    const replay = runCli(['replay', '--network', 'demo:arterial', '--input', input, '--out', out, '--no-progress']);
    expect(replay.status, replay.stderr).toBe(0);
    return { plan: plan.stdout.trim().split('\n'), replay: readFileSync(join(out, 'plans.ndjson'), 'utf8').trim().split('\n') };
  };

  it('gives the plans `greenwave plan` gives on the same counts file, the first ones included', () => {
    const input = join(dir, 'counts.ndjson');
    writeFileSync(input, `${counts.map((c) => JSON.stringify(c)).join('\n')}\n`);
    const { plan, replay } = plansOf(input, 'bare');
    expect(plan.length).toBeGreaterThan(10);
    // the first plans are planned on the first minute's counts, at 07:01
    expect(JSON.parse(replay[0]).computedAtMs).toBe(day + 7 * 3_600_000 + 60_000);
    expect(replay).toEqual(plan);
  });

  it('and on a day file whose counts were received 1.5 s after their timestamps', () => {
    const input = join(dir, 'day.ndjson');
    writeFileSync(input, `${counts.map((c) => JSON.stringify({ kind: 'count', atMs: c.timestamp + 1500, record: c })).join('\n')}\n`);
    const { plan, replay } = plansOf(input, 'day');
    expect(plan.length).toBeGreaterThan(10);
    expect(replay).toEqual(plan);
  });
});
