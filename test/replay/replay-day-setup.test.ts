import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arterialCorridorNetwork } from '../../network-models/demo/demo-networks.js';
import { SyntheticDemand } from '../../network-models/synthetic-demand.js';
import { DEFAULT_PLATOON_SHARE, replayDay, ReplayInputError } from '../../replay/index.js';

// replayDay sets the replay up while the day-file reader starts, unless --from/--to are HH:MM on the first
// record's day: both ways give the same replay, and an input without a usable record is still told as such.
const network = arterialCorridorNetwork();
const day = Date.UTC(2026, 10, 23);
const dir = mkdtempSync(join(tmpdir(), 'gw-replay-setup-'));

function dayFile(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const counts = [...new SyntheticDemand(network, { seed: 4 }).day(day + 6 * 3_600_000, day + 8 * 3_600_000, 60)].map((c) => JSON.stringify({ kind: 'count', atMs: c.timestamp, record: c }));

async function replay(inputPath: string, out: string, bounds: { from?: string; to?: string }) {
  const outDir = join(dir, out);
  const result = await replayDay({ network, inputPath, outDir, periodSeconds: 60, actualPlans: 'acked', platoonShare: DEFAULT_PLATOON_SHARE, speed: 0, compactPlans: false, ...bounds });
  return { result, plans: readFileSync(join(outDir, 'plans.ndjson'), 'utf8'), bins: readFileSync(join(outDir, 'bins.ndjson'), 'utf8') };
}

describe('replayDay set up before its first record', () => {
  it('replays a span given as clock times (set up on the first record) as the same span given as ISO times (set up before it)', async () => {
    const input = dayFile('two-hours.ndjson', counts);
    const clock = await replay(input, 'clock', { from: '06:30', to: '07:30' });
    const iso = await replay(input, 'iso', { from: '2026-11-23T06:30:00Z', to: '2026-11-23T07:30:00Z' });
    expect(clock.result.summary.fromMs).toBeGreaterThanOrEqual(day + 6.5 * 3_600_000);
    expect(clock.result.summary.toMs).toBeLessThanOrEqual(day + 7.5 * 3_600_000);
    expect(clock.plans.length).toBeGreaterThan(0);
    expect(iso.plans).toBe(clock.plans);
    expect(iso.bins).toBe(clock.bins);
    expect(iso.result.summary.records).toBe(clock.result.summary.records);
  });

  it('tells an input without a usable record, whether the replay was set up before reading or not', async () => {
    const input = dayFile('malformed.ndjson', ['{"kind":', 'not json']);
    const problems: string[] = [];
    const run = (bounds: { from?: string }) => replayDay({ network, inputPath: input, outDir: join(dir, 'none'), actualPlans: 'acked', platoonShare: DEFAULT_PLATOON_SHARE, speed: 0, compactPlans: false, onProblem: (p) => problems.push(p), ...bounds });
    await expect(run({})).rejects.toThrow(ReplayInputError);
    await expect(run({})).rejects.toThrow(/malformed\.ndjson: no usable records/);
    await expect(run({ from: '06:30' })).rejects.toThrow(/no usable records/);
    expect(problems.length).toBeGreaterThanOrEqual(2);
  });
});
