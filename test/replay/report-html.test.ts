import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gridCityNetwork } from '../../network-models/demo/demo-networks.js';
import { SyntheticDemand } from '../../network-models/synthetic-demand.js';
import { DEFAULT_PLATOON_SHARE, replayDay } from '../../replay/index.js';
import { inputQuality } from '../../replay/atspm/input-quality.js';
import { renderReport } from '../../replay/report-html.js';
import type { ReplaySumoRun, ReplaySumoSummary } from '../../replay/replay-summary.js';

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

  it('headlines no saving from a SUMO comparison in which a run jammed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-report-sumo-'));
    const network = gridCityNetwork();
    const from = Date.UTC(2026, 10, 23, 7);
    const lines = [...new SyntheticDemand(network, { seed: 5 }).day(from, from + 10 * 60_000, 60)].map((c) => JSON.stringify({ kind: 'count', atMs: c.timestamp, record: c }));
    const input = join(dir, 'day.ndjson');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const result = await replayDay({ network, inputPath: input, outDir: join(dir, 'out'), periodSeconds: 60, actualPlans: 'acked', platoonShare: DEFAULT_PLATOON_SHARE, speed: 0, compactPlans: true });
    const run = (over: Partial<ReplaySumoRun>): ReplaySumoRun => ({ control: 'x', meanTimeLoss: 30, vehicles: 1000, arrived: 1000, notInserted: 0, teleports: 0, planUpdates: 0, wallSeconds: 1, ...over });
    const sumo = (engine: Partial<ReplaySumoRun>): ReplaySumoSummary => ({
      netFile: 'net.xml', routeFile: 'r.xml', demandModel: 'd', actualControl: 'a', engineControl: 'e', engineConfig: {}, vehicles: 1000, entryLinksWithoutCounts: [], simulatedSeconds: 600, seed: 1,
      actual: run({}), engine: run({ meanTimeLoss: 12, ...engine }), timeLossRatio: 0.4, timeLossSavedPercent: 60,
    });
    const withSumo = (s: ReplaySumoSummary) => {
      const summary = { ...result.summary, sumo: s };
      summary.inputQuality = inputQuality({ rows: 1000, rejectedByReason: {} }, 1000, s);
      return renderReport({ ...result, summary });
    };
    // The engine's run left 30 % of its vehicles behind: its low time loss is no saving.
    const jammed = withSumo(sumo({ arrived: 700 }));
    expect(jammed).toContain('<p class="flag">Not a saving: the SUMO run under the engine jammed (700 of 1000 vehicles arrived');
    expect(jammed).toContain('Time loss ratio engine/actual 0.4, on those runs only.');
    expect(jammed).not.toContain('% saved)');
    const fair = withSumo(sumo({}));
    expect(fair).toContain('Time loss ratio engine/actual: <b>0.4</b> (60 % saved)');
  }, 60_000);
});
