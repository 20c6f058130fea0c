import { encodePng } from './png-encode.js';
import { PCD_COLUMN_SECONDS, PCD_MAX_CYCLE_SECONDS, type PcdApproach } from './pcd-raster.js';
import { ACTUAL, clock, ENGINE, esc } from './report-format.js';

/**
 * The report's Purdue Coordination Diagrams as HTML, for the report (`renderReport`) and for the measure thread,
 * which draws the day's diagrams while the replay's thread writes the rest of the report.
 */

/** The diagrams of the plans actually in force and of the engine's, approach by approach (as `PcdRaster.approaches`). */
export interface PcdFigures {
  actual: string[];
  engine: string[];
}

/** The figures of both sets of diagrams, whose approaches are the same, in the same order. */
export function pcdFigures(actual: PcdRasterData, engine: PcdRasterData, timeZone: string): PcdFigures {
  return {
    actual: actual.approaches.map((a) => pcdFigure(a, actual, 'actual', timeZone)),
    engine: engine.approaches.map((a) => pcdFigure(a, engine, 'engine', timeZone)),
  };
}

/** What a diagram is drawn from: its approaches' cells, and the columns' time. */
export interface PcdRasterData {
  approaches: PcdApproach[];
  originSeconds: number;
  columns: number;
}

/** One Purdue Coordination Diagram of the report: a PNG raster of arrivals with the mean green's start and end, and its colour scale. */
export function pcdFigure(a: PcdApproach, raster: { columns: number; originSeconds: number }, which: 'actual' | 'engine' | 'log', tz: string): string {
  const used: number[] = [];
  for (let c = 0; c < raster.columns; c++) {
    let any = false;
    for (let r = 0; r < PCD_MAX_CYCLE_SECONDS && !any; r++) any = a.cells[c * PCD_MAX_CYCLE_SECONDS + r] > 0;
    if (any) used.push(c);
  }
  if (used.length === 0) return '<p>no arrivals</p>';
  const c0 = used[0];
  const c1 = used[used.length - 1] + 1;
  const cols = c1 - c0;
  let max = 1;
  for (let c = c0; c < c1; c++) for (let r = 0; r < PCD_MAX_CYCLE_SECONDS; r++) max = Math.max(max, a.cells[c * PCD_MAX_CYCLE_SECONDS + r]);
  const rgb = new Uint8Array(cols * PCD_MAX_CYCLE_SECONDS * 3).fill(255);
  for (let c = c0; c < c1; c++)
    for (let r = 0; r < PCD_MAX_CYCLE_SECONDS; r++) {
      const v = a.cells[c * PCD_MAX_CYCLE_SECONDS + r];
      if (v === 0) continue;
      const i = ((PCD_MAX_CYCLE_SECONDS - 1 - r) * cols + (c - c0)) * 3;
      // pcdColour's arithmetic, without an array per cell (a day's diagrams have millions of cells).
      const k = Math.sqrt(v / max);
      rgb[i] = Math.round(230 - 200 * k);
      rgb[i + 1] = Math.round(230 - 200 * k);
      rgb[i + 2] = Math.round(240 - 120 * k);
    }
  const png = encodePng(cols, PCD_MAX_CYCLE_SECONDS, rgb).toString('base64');
  const w = 420;
  const h = 220;
  const pad = 30;
  const X = (c: number) => pad + ((c - c0 + 0.5) / cols) * (w - 2 * pad);
  const Y = (s: number) => h - pad - (s / PCD_MAX_CYCLE_SECONDS) * (h - 2 * pad);
  const lines = (sum: Float64Array, colour: string) => {
    const pts: string[] = [];
    for (let c = c0; c < c1; c++) if (a.cycles[c] > 0) pts.push(`${X(c).toFixed(1)},${Y(sum[c] / a.cycles[c]).toFixed(1)}`);
    return `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${pts.join(' ')}"/>`;
  };
  const aog = a.arrivals > 0 ? ((100 * a.onGreen) / a.arrivals).toFixed(1) : '0';
  const hour = (c: number) => clock((raster.originSeconds + c * PCD_COLUMN_SECONDS) * 1000, tz);
  const caption = which === 'log' ? `${esc(a.intersectionId)} ${esc(a.linkId)}` : which === 'actual' ? 'actual plans' : "engine's plans";
  return `<figure><figcaption style="color:${which === 'engine' ? ENGINE : ACTUAL}">${caption} · arrivals on green ${aog} %</figcaption><svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">
    <image href="data:image/png;base64,${png}" x="${pad}" y="${pad}" width="${w - 2 * pad}" height="${h - 2 * pad}" preserveAspectRatio="none" style="image-rendering:pixelated"/>
    <rect x="${pad}" y="${pad}" width="${w - 2 * pad}" height="${h - 2 * pad}" fill="none" stroke="#bbb"/>
    ${lines(a.greenStartSum, '#2ca02c')}${lines(a.greenEndSum, '#e6b800')}
    <text x="2" y="${pad}" font-size="9">${PCD_MAX_CYCLE_SECONDS} s</text><text x="2" y="${h - pad}" font-size="9">0</text>
    <text x="10" y="${h / 2}" font-size="9" transform="rotate(-90 10 ${h / 2})" text-anchor="middle">seconds into the cycle (from start of red)</text>
    <text x="${pad}" y="${h - 10}" font-size="9">${hour(c0)}</text><text x="${w / 2}" y="${h - 10}" font-size="9" text-anchor="middle">time of day (${esc(tz)}), ${PCD_COLUMN_SECONDS / 60}-minute columns</text><text x="${w - pad}" y="${h - 10}" font-size="9" text-anchor="end">${hour(c1)}</text>
  </svg>${pcdScale(max)}<div class="legend"><span class="key" style="background:#2ca02c"></span> mean start of green <span class="key" style="background:#e6b800"></span> mean end of green</div></figure>`;
}

/** Colour of a PCD cell with `v` of at most `max` arrivals: white to dark blue, on a square-root scale (inlined in `pcd`: change both together). */
function pcdColour(v: number, max: number): [number, number, number] {
  const k = Math.sqrt(v / max);
  return [Math.round(230 - 200 * k), Math.round(230 - 200 * k), Math.round(240 - 120 * k)];
}

/** Colour scale of a PCD: arrivals in a cell (1 s of the cycle × one column of the day), 1 to the most. */
function pcdScale(max: number): string {
  const steps = 24;
  const w = 200;
  const rects = Array.from({ length: steps }, (_, i) => {
    const v = 1 + ((max - 1) * (i + 0.5)) / steps;
    const [r, g, b] = pcdColour(v, max);
    return `<rect x="${10 + (i * w) / steps}" y="4" width="${w / steps + 0.5}" height="10" fill="rgb(${r},${g},${b})"/>`;
  }).join('');
  const mid = Math.max(1, Math.round(max / 4));
  const ticks = [1, mid, max].filter((v, i, all) => all.indexOf(v) === i).map((v) => `<text x="${10 + (max > 1 ? (v - 1) / (max - 1) : 0) * w}" y="26" font-size="9" text-anchor="middle">${v}</text>`).join('');
  return `<svg class="scale" width="${w + 150}" height="30" viewBox="0 0 ${w + 150} 30">${rects}${ticks}<text x="${w + 16}" y="13" font-size="9">arrivals per cell (1 s × ${PCD_COLUMN_SECONDS / 60} min)</text></svg>`;
}
