import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arterialCorridorNetwork, SyntheticDemand } from '../../network-models/index.js';
import { runCliAsync } from '../fixtures/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'greenwave-replay-edges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A synthetic 06:00–07:00 UTC morning of the demo arterial, as bare counts. */
function arterialMorning(): string {
  const start = Date.parse('2026-11-23T06:00:00Z');
  const lines = [...new SyntheticDemand(arterialCorridorNetwork(), { seed: 1 }).day(start, start + 3600_000, 60)].map((c) => JSON.stringify({ ...c, timestamp: new Date(c.timestamp).toISOString() }));
  const path = join(dir, 'arterial-morning.ndjson');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/**
 * Times of day (HH:MM) in a report that nothing names the zone of: a tooltip (<title>) must name it itself (it is
 * read alone); any other time needs a heading, paragraph, table cell or figure around it that names it.
 */
function unzonedTimes(html: string, zone: string): string[] {
  const text = html.replace(/data:image\/png;base64,[A-Za-z0-9+/=]+/g, '').replace(/<style>[\s\S]*?<\/style>/g, '');
  const spans = (re: RegExp) => [...text.matchAll(re)].map((m) => ({ from: m.index, to: m.index + m[0].length, zoned: m[0].includes(zone) }));
  const titles = spans(/<title>[\s\S]*?<\/title>/g);
  const blocks = [/<h[1-4][^>]*>[\s\S]*?<\/h[1-4]>/g, /<p[^>]*>[\s\S]*?<\/p>/g, /<td[^>]*>[\s\S]*?<\/td>/g, /<figure[^>]*>[\s\S]*?<\/figure>/g].flatMap(spans);
  const inside = (at: number, s: { from: number; to: number }) => at >= s.from && at < s.to;
  return [...text.matchAll(/\b\d{2}:\d{2}\b/g)]
    .filter((m) => {
      const title = titles.find((t) => inside(m.index, t));
      return title ? !title.zoned : !blocks.some((b) => inside(m.index, b) && b.zoned);
    })
    .map((m) => text.slice(Math.max(0, m.index - 60), m.index + 20));
}

describe('greenwave replay: input of another network, empty windows, times with their zone', () => {
  it('refuses a day whose detectors mostly are not of the network, says what matched, and writes nothing', async () => {
    const input = arterialMorning();
    const out = join(dir, 'foreign-out');
    const r = await runCliAsync(['replay', '--network', 'demo:grid', '--input', input, '--out', out, '--no-progress']);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^greenwave replay: --input .*arterial-morning\.ndjson: only \d+ of \d+ counts read \(5\d %\) are of detectors of Demo grid city/);
    expect(r.stderr).toMatch(/matched IA1:E0:stop, .* not in the network IA1:E2:stop/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('says what span the input covers when the window holds no count, instead of an all-zero report', async () => {
    const input = arterialMorning();
    const r = await runCliAsync(['replay', '--network', 'demo:arterial', '--input', input, '--out', join(dir, 'empty-out'), '--from', '11:00', '--to', '12:00', '--no-progress']);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('greenwave replay: no count in the window --from 11:00 --to 12:00 (11:00 to 12:00 UTC): the input covers 2026-11-23 06:00 UTC to 2026-11-23 07:00 UTC');
    expect(r.stderr).not.toMatch(/predicted delay/);
  }, 60_000);

  it("labels the replayed window with the network's time zone, in which HH:MM bounds are read", async () => {
    const input = arterialMorning();
    const network = { ...arterialCorridorNetwork(), timeZone: 'America/Denver' };
    const networkFile = join(dir, 'denver.json');
    writeFileSync(networkFile, JSON.stringify(network));
    // 23:10 in Denver on the 22nd is 06:10 UTC on the 23rd
    const r = await runCliAsync(['replay', '--network', networkFile, '--input', input, '--out', join(dir, 'denver-out'), '--from', '23:10', '--to', '23:30', '--no-progress']);
    expect(r.status, r.stderr).toBe(0);
    // the replay starts its clock at the interval start of the first count in the window: the window's start
    expect(r.stderr).toMatch(/window 2026-11-22 23:10 America\/Denver \(UTC-07:00\) to 2026-11-22 23:30 America\/Denver \(UTC-07:00\)/);
    expect(unzonedTimes(readFileSync(join(dir, 'denver-out', 'report.html'), 'utf8'), 'America/Denver')).toEqual([]);
  }, 60_000);

  it('replays exactly the counts whose interval lies in --from/--to: not the one that ends at --from', async () => {
    const input = arterialMorning();
    const out = join(dir, 'window-out');
    const r = await runCliAsync(['replay', '--network', 'demo:arterial', '--input', input, '--out', out, '--from', '06:10', '--to', '06:30', '--no-progress']);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { countsAccepted: number; fromMs: number; toMs: number };
    const detectors = arterialCorridorNetwork().detectors.length;
    // 20 one-minute intervals, 06:10-06:11 to 06:29-06:30; the 06:09-06:10 count is outside
    expect(summary.countsAccepted).toBe(20 * detectors);
    expect(summary.fromMs).toBe(Date.parse('2026-11-23T06:10:00Z'));
    expect(summary.toMs).toBe(Date.parse('2026-11-23T06:30:00Z'));
  }, 60_000);
});
