import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gridCityNetwork } from '../../network-models/demo/demo-networks.js';
import { SyntheticDemand } from '../../network-models/synthetic-demand.js';
import { DEFAULT_PLATOON_SHARE, replayDay } from '../../replay/index.js';

describe('the replay report', () => {
  it('labels every chart (caption, units, legend or colour scale), draws every signal of each corridor, and leaves plan changes uncoloured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-report-'));
    const network = gridCityNetwork();
    const from = Date.UTC(2026, 10, 23, 7);
    const lines = [...new SyntheticDemand(network, { seed: 5 }).day(from, from + 30 * 60_000, 60)].map((c) => JSON.stringify({ kind: 'count', atMs: c.timestamp, record: c }));
    const input = join(dir, 'day.ndjson.gz');
    writeFileSync(input, gzipSync(`${lines.join('\n')}\n`));
    const result = await replayDay({ network, inputPath: input, outDir: join(dir, 'out'), periodSeconds: 60, actualPlans: 'acked', platoonShare: DEFAULT_PLATOON_SHARE, speed: 0, compactPlans: true });
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');

    expect(html).not.toMatch(/NaN|undefined|Infinity/);
    const figures = html.match(/<figure[\s\S]*?<\/figure>/g) ?? [];
    expect(figures.length).toBeGreaterThan(20);
    for (const f of figures) {
      expect(f).toMatch(/<figcaption[^>]*>[^<]+<\/figcaption>/);
      // A legend of what each colour means, or a colour scale with its quantity.
      expect(f).toMatch(/class="legend"|class="scale"/);
    }
    // Heat maps (degree of saturation, PCDs) carry a colour scale with its quantity and unit.
    const heatMaps = figures.filter((f) => f.includes('rows: intersections'));
    expect(heatMaps).toHaveLength(2);
    for (const f of heatMaps) expect(f).toContain('x (flow / capacity)');
    const pcds = figures.filter((f) => f.includes('seconds into the cycle'));
    expect(pcds.length).toBeGreaterThanOrEqual(2);
    for (const f of pcds) expect(f).toMatch(/class="scale"[\s\S]*arrivals per cell \(1 s × 5 min\)/);
    // Flow charts: both axes' units, and time of day in the network's zone.
    for (const f of figures.filter((x) => x.includes('entering flow'))) expect(f).toMatch(/veh\/h[\s\S]*\d+ s<\/text>[\s\S]*time of day \(UTC\)/);

    // Every signal of every corridor appears in both of its time-space diagrams (actual and engine).
    expect(result.corridors.length).toBeGreaterThan(0);
    const sections = html.split('<h3>').slice(1);
    for (const snap of result.corridors) {
      const ids = snap.corridor.intersectionIds;
      expect(ids.length).toBeGreaterThan(1);
      const section = sections.find((s) => s.startsWith(ids.join(' → ')))!;
      expect(section, ids.join(' → ')).toBeDefined();
      const diagrams = section.match(/<figure[\s\S]*?<\/figure>/g)!;
      expect(diagrams).toHaveLength(2);
      for (const d of diagrams) {
        for (const id of ids) expect(d).toContain(`text-anchor="end">${id}</text>`);
        expect(d).toMatch(/distance \(\d+ m\)/);
        expect(d).toContain('time (s, UTC)');
      }
    }

    // Plan changes are neither an improvement nor a loss: never coloured.
    expect(html).toMatch(/<td>plan changes<\/td><td>\d+<\/td><td>\d+<\/td><td class="">/);
  }, 60_000);
});
