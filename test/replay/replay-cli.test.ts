import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { arterialCorridorNetwork } from '../../network-models/demo/demo-networks.js';
import { SyntheticDemand } from '../../network-models/synthetic-demand.js';
import type { ReplaySummary } from '../../replay/replay-summary.js';
import { runCli } from '../fixtures/run-cli.js';

describe('greenwave replay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-replay-'));
  const network = arterialCorridorNetwork();
  const day = Date.UTC(2026, 10, 23);
  // A day file as the recorder writes it: counts as received, 07:00-07:20.
  const lines = [...new SyntheticDemand(network, { seed: 3 }).day(day + 7 * 3_600_000, day + 7 * 3_600_000 + 20 * 60_000, 60)].map((c) =>
    JSON.stringify({ kind: 'count', atMs: c.timestamp, record: c }),
  );
  const input = join(dir, 'greenwave-2026-11-23.ndjson.gz');
  writeFileSync(input, gzipSync(`${lines.join('\n')}\n`));
  /** Replays the day on the demo arterial into `dir/name` with these options; the replay must succeed. */
  const replayInto = (name: string, ...options: string[]) => {
    const out = join(dir, name);
    const r = runCli(['replay', '--network', 'demo:arterial', '--input', input, '--out', out, '--no-progress', ...options]);
    expect(r.status, r.stderr).toBe(0);
    return out;
  };

  it('writes plans, 15-minute bins, a summary and a self-contained report; --json prints the summary', () => {
    const out = join(dir, 'a');
    const r = runCli(['replay', '--network', 'demo:arterial', '--input', input, '--out', out, '--json', '--no-progress']);
    expect(r.stderr).toContain('greenwave replay: 2400 records, 2400 counts accepted, 0 rejected');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout) as ReplaySummary;
    expect(summary.optimisations).toBeGreaterThan(15);
    expect(summary.totals.actual.arrivals).toBeGreaterThan(1000);
    expect(summary.definitions.arrivalOnGreen).toContain('green only');
    const bins = readFileSync(join(out, 'bins.ndjson'), 'utf8').trim().split('\n');
    expect(bins).toHaveLength(2 * 6);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('Time-space diagrams');
    expect(html).toContain('Purdue Coordination Diagrams');
    expect(html).toContain('data:image/png;base64,');
    expect(html).not.toMatch(/(src|href)="https?:/); // opens with no network
    expect(html).not.toContain('<script');
  });

  it('is deterministic: byte-identical plans whatever the replay speed', () => {
    const fast = replayInto('fast');
    const paced = replayInto('paced', '--speed', '1200');
    const a = readFileSync(join(fast, 'plans.ndjson'));
    expect(a.length).toBeGreaterThan(1000);
    expect(readFileSync(join(paced, 'plans.ndjson')).equals(a)).toBe(true);
    expect(readFileSync(join(paced, 'bins.ndjson')).equals(readFileSync(join(fast, 'bins.ndjson')))).toBe(true);
  });

  it('--plans compact writes the same plans without their diagnostics', () => {
    const full = replayInto('full');
    const compact = replayInto('compact', '--plans', 'compact');
    const a = readFileSync(join(full, 'plans.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const b = readFileSync(join(compact, 'plans.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(b).toHaveLength(a.length);
    expect(b[0]).not.toHaveProperty('diagnostics');
    expect(b).toEqual(a.map(({ diagnostics: _, ...rest }) => rest));
    expect(readFileSync(join(compact, 'bins.ndjson'), 'utf8')).toBe(readFileSync(join(full, 'bins.ndjson'), 'utf8'));
    expect(runCli(['replay', '--network', 'demo:arterial', '--input', input, '--out', compact, '--plans', 'short']).stderr).toContain('--plans = short: must be full or compact');
  });

  it('reports malformed lines with their numbers, skips a torn last line, and honours --from/--to', () => {
    const torn = join(dir, 'torn.ndjson');
    writeFileSync(torn, `${lines.slice(0, 300).join('\n')}\nnot json\n${lines.slice(300).join('\n')}\n{"kind":"count","atMs":`);
    const r = runCli(['replay', '--network', 'demo:arterial', '--input', torn, '--out', join(dir, 'torn'), '--from', '07:05', '--to', '07:15', '--no-progress']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('torn.ndjson:301: not valid JSON');
    expect(r.stderr).toContain('GW_REPLAY_TORN_LINE');
    // 07:05 to 07:15: ten 1-minute intervals of 120 detectors (the count ending at 07:05 is outside)
    expect(r.stderr).toContain('greenwave replay: 1200 records, 1200 counts accepted');
  });

  it('fails clearly on a missing input, and on --sumo without the SUMO network', () => {
    const r = runCli(['replay', '--network', 'demo:arterial', '--input', join(dir, 'missing.ndjson'), '--out', join(dir, 'x')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('cannot read input');
    expect(runCli(['replay', '--network', 'demo:arterial', '--input', input, '--out', join(dir, 'x'), '--sumo']).stderr).toContain('--sumo needs --sumo-net NET.xml');
  });
});
