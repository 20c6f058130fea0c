import type { NetworkFile } from '../network-models/index.js';
import type { PhasePlan } from '../engine/index.js';
import { buildIntersectionModel } from '../engine/index.js';
import { DEFAULT_OPTIMIZER_CONFIG } from '../engine/index.js';
import { compilePlan, greenWindows } from './plan-clock.js';
import { pcdFigure, pcdFigures, type PcdFigures } from './pcd-figure.js';
import { ACTUAL, clock, ENGINE, esc } from './report-format.js';
import type { CorridorSnapshot, ReplayResult } from './replay-run.js';
import type { PhasePcds } from './atspm/phase-pcd.js';
import type { EventCodeUse } from './atspm/event-code-use.js';
import { sumoJams } from './atspm/input-quality.js';
import type { AtspmOutputSummary, InputQuality, SourceTotals } from './replay-summary.js';
import type { ReportBin } from './report-bins.js';

/**
 * The replay report: one self-contained HTML file (inline CSS, SVG charts and PNG data URIs; no scripts, no
 * network). Pure: result in, text out. `pcdsDrawn`: the diagrams of `result.pcdActual` and `result.pcdEngine`
 * drawn elsewhere (the measure thread draws them while this writes the rest); asked for last.
 */
export function renderReport(result: ReplayResult, phasePcds?: PhasePcds, pcdsDrawn?: () => PcdFigures | undefined): string {
  const { summary } = result;
  const byIntersection = new Map<string, ReportBin[]>();
  const starts = new Set<number>();
  for (const b of result.bins.rows()) {
    const rows = byIntersection.get(b.intersectionId);
    if (rows) rows.push(b);
    else byIntersection.set(b.intersectionId, [b]);
    starts.add(b.binStartMs);
  }
  const binStarts = [...starts].sort((a, b) => a - b);
  const t = summary.totals;
  /** Charts show the network's local time, as the logs and the engineers do. */
  const tz = result.network.timeZone ?? 'UTC';
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Greenwave replay — ${esc(summary.network)}</title><style>${CSS}</style></head><body>`);
  parts.push(`<h1>Greenwave replay: ${esc(summary.network)}</h1>`);
  parts.push(`<p class="meta">${esc(summary.input)} · ${esc(summary.from)} → ${esc(summary.to)} (${esc(summary.timeZone)}) · ${summary.records.toLocaleString('en')} records · ${summary.countsAccepted.toLocaleString('en')} counts accepted, ${summary.countsRejected} rejected · ${summary.optimisations} optimisations, ${summary.enginePlans} engine plans</p>`);
  const flags = summary.inputQuality?.flags ?? [];
  if (summary.inputQuality) parts.push(inputSection(summary.inputQuality, summary.atspm));
  parts.push(`<p><span class="key" style="background:${ACTUAL}"></span> actual plans: ${esc(summary.actualPlanSource)} &nbsp; <span class="key" style="background:${ENGINE}"></span> the engine's plans (what it would have issued)</p>`);
  parts.push('<h2>What the engine would have changed and saved</h2>');
  parts.push(`<table><tr><th></th><th>actual</th><th>engine</th><th>change</th></tr>
    ${totalRow('predicted delay (veh·h)', t.actual.delayVehHours, t.engine.delayVehHours, 1, 'lower')}
    ${totalRow('arrivals on green (%)', pct(t.actual), pct(t.engine), 1, 'higher')}
    ${totalRow('split failures, modelled (phase-cycles)', t.actual.splitFailures, t.engine.splitFailures, 0, 'lower')}
    ${t.actual.measuredSplitFailures !== undefined ? `<tr><td>split failures, measured (ATSPM)</td><td>${t.actual.measuredSplitFailures}</td><td>—</td><td></td></tr>` : ''}
    ${totalRow('highest degree of saturation', t.actual.maxDegreeOfSaturation, t.engine.maxDegreeOfSaturation, 2, 'lower')}
    ${totalRow('plan changes', t.actual.planChanges, t.engine.planChanges, 0, 'neutral')}
  </table>`);
  if (flags.length > 0) parts.push(`<p class="flag">Not a saving: ${esc(flags.join('; '))}. Predicted delay difference ${t.delaySavedVehHours} veh·h (${t.delaySavedPercent} %) over ${t.vehicles.toLocaleString('en')} vehicles, on that input only.</p>`);
  else if (t.delaySavedVehHours >= 0) parts.push(`<p>Delay saved: <b>${t.delaySavedVehHours} veh·h (${t.delaySavedPercent} %)</b> over ${t.vehicles.toLocaleString('en')} vehicles.</p>`);
  else parts.push(`<p>No saving: the engine's plans would have <b>added ${-t.delaySavedVehHours} veh·h of delay (${-t.delaySavedPercent} %)</b> over ${t.vehicles.toLocaleString('en')} vehicles.</p>`);
  if (summary.sumo) {
    const m = summary.sumo;
    parts.push('<h2>Simulated in SUMO</h2>');
    parts.push(`<p>The replayed demand played through SUMO (${esc(m.netFile)}) under the actual plans and under the engine in closed loop, same routes and seed: ${m.vehicles.toLocaleString('en')} vehicles over ${m.simulatedSeconds} simulated seconds.</p>`);
    parts.push(`<table><tr><th></th><th>actual</th><th>engine</th><th>change</th></tr>
    ${totalRow('mean time loss (s/veh)', m.actual.meanTimeLoss, m.engine.meanTimeLoss, 2, 'lower')}
    <tr><td>vehicles inserted / arrived</td><td>${m.actual.vehicles} / ${m.actual.arrived}</td><td>${m.engine.vehicles} / ${m.engine.arrived}</td><td></td></tr>
    <tr><td>not inserted at the end</td><td>${m.actual.notInserted}</td><td>${m.engine.notInserted}</td><td></td></tr>
    <tr><td>teleports</td><td>${m.actual.teleports}</td><td>${m.engine.teleports}</td><td></td></tr>
  </table>`);
    const jams = sumoJams(m);
    if (jams.length > 0) parts.push(`<p class="flag">Not a saving: ${esc(jams.join('; '))}. Time loss ratio engine/actual ${m.timeLossRatio}, on those runs only. Actual plans in SUMO: ${esc(m.actualControl)}.</p>`);
    else parts.push(`<p>Time loss ratio engine/actual: <b>${m.timeLossRatio}</b> (${m.timeLossSavedPercent} % saved). Actual plans in SUMO: ${esc(m.actualControl)}.</p>`);
    parts.push(`<p>Engine in SUMO: ${esc(m.engineControl)}.</p>`);
    parts.push(`<p>Demand model: ${esc(m.demandModel)}${m.entryLinksWithoutCounts.length > 0 ? ` Entry links without counts: ${esc(m.entryLinksWithoutCounts.join(', '))}.` : ''}</p>`);
  }
  parts.push('<details><summary>Per intersection</summary><table><tr><th>intersection</th><th>vehicles</th><th>delay actual</th><th>delay engine</th><th>saved</th><th>AoG actual</th><th>AoG engine</th><th>SF actual</th><th>SF engine</th><th>max x actual</th><th>max x engine</th></tr>');
  for (const s of summary.intersections)
    parts.push(`<tr><td>${esc(s.intersectionId)}</td><td>${s.vehicles}</td><td>${s.actual.delayVehHours.toFixed(1)}</td><td>${s.engine.delayVehHours.toFixed(1)}</td><td>${(s.actual.delayVehHours - s.engine.delayVehHours).toFixed(1)}</td><td>${pct(s.actual).toFixed(1)}</td><td>${pct(s.engine).toFixed(1)}</td><td>${s.actual.splitFailures}${s.actual.measuredSplitFailures !== undefined ? ` (${s.actual.measuredSplitFailures} measured)` : ''}</td><td>${s.engine.splitFailures}</td><td>${s.actual.maxDegreeOfSaturation.toFixed(2)}</td><td>${s.engine.maxDegreeOfSaturation.toFixed(2)}</td></tr>`);
  parts.push('</table></details>');

  parts.push('<h2>Degree of saturation through the day</h2><p>Highest degree of saturation of any movement per intersection and 15 minutes (green below 0.85, red above 1).</p><div class="row">');
  parts.push(heatmap('actual plans', byIntersection, binStarts, (b) => b.actual.maxDegreeOfSaturation, tz));
  parts.push(heatmap("engine's plans", byIntersection, binStarts, (b) => b.engine.maxDegreeOfSaturation, tz));
  parts.push('</div>');

  parts.push('<h2>Time-space diagrams of the coordinated corridors</h2><p>Green of the corridor\'s through movement at each signal over three cycles of the busiest 15 minutes, with the through band a vehicle at free-flow speed can ride from the first signal to the last.</p>');
  for (const snap of result.corridors) parts.push(timeSpace(snap, result.network, tz));

  /** Where the diagrams' rows go, once drawn (one part a row). */
  let pcdRowsAt = -1;
  if (result.pcdActual && result.pcdEngine) {
    parts.push(`<h2>Purdue Coordination Diagrams</h2><p>${esc(summary.definitions.pcd)}. Arrivals: ${esc(summary.arrivalModel)}.</p>`);
    pcdRowsAt = parts.length;
  }

  if (phasePcds && phasePcds.approaches.length > 0) {
    parts.push(`<h2>Purdue Coordination Diagrams per phase (from the event log)</h2><p>Each phase's advance-detector arrivals at the stop bar, by time of day and seconds since the start of the phase's red, from the log's own events (controllers ${esc([...new Set(phasePcds.approaches.map((a) => a.intersectionId))].join(', '))}; see docs/atspm-measures.md).</p><div class="grid">`);
    for (const a of phasePcds.approaches) parts.push(pcdFigure(a, phasePcds, 'log', tz));
    parts.push('</div>');
  }

  parts.push('<h2>Flows and plans through the day</h2><p>Measured entering flow (grey, veh/h, left axis) and cycle length (right axis) of the actual and the engine\'s plans.</p><div class="grid">');
  for (const [id, rows] of byIntersection) parts.push(flowChart(id, rows, tz));
  parts.push('</div>');
  parts.push(`<h2>Definitions</h2><ul>${Object.entries(summary.definitions).map(([k, v]) => `<li><b>${esc(k)}</b>: ${esc(v)}</li>`).join('')}<li><b>arrivals</b>: ${esc(summary.arrivalModel)}</li></ul>`);
  parts.push('</body></html>\n');
  if (pcdRowsAt >= 0) {
    const actual = result.pcdActual!;
    const drawn = pcdsDrawn?.() ?? pcdFigures(actual, result.pcdEngine!, tz);
    parts.splice(pcdRowsAt, 0, ...actual.approaches.map((a, i) => `<div class="row"><div><h3>${esc(a.intersectionId)} from ${esc(a.linkId)}</h3>${drawn.actual[i]}</div><div><h3>&nbsp;</h3>${drawn.engine[i]}</div></div>`));
  }
  return parts.join('\n');
}

/**
 * Who read the log's event codes: the engine's import, only the ATSPM tables (per table), or nothing; each code
 * with its events.
 */
function codeRows(use: EventCodeUse | undefined, list: (m: Record<string, number> | undefined, what: string) => string): string[] {
  if (!use) return [];
  const byTable = new Map<string, Record<string, number>>();
  for (const [code, { events, tables }] of Object.entries(use.atspmTablesOnly))
    for (const t of tables) byTable.set(t, { ...byTable.get(t), [code]: events });
  const tableRows = [...byTable].map(([t, codes]) => `${esc(t)}: ${Object.entries(codes).map(([c, n]) => `${esc(c)} ×${n.toLocaleString('en')}`).join(', ')}`);
  return [
    list(use.engine, "event codes the engine's import reads (phase states; detector counts and arrivals)"),
    tableRows.length > 0 ? `<tr><td>event codes only the ATSPM tables read, by table</td><td>${tableRows.join('; ')}</td></tr>` : '',
    list(use.unread, 'event codes nothing reads'),
  ];
}

/** The input's worth, first thing in the report: rows, rejections by reason, who read which codes, unmapped channels. */
function inputSection(q: InputQuality, atspm: AtspmOutputSummary | undefined): string {
  const list = (m: Record<string, number> | undefined, what: string) => {
    const e = Object.entries(m ?? {}).sort((a, b) => b[1] - a[1]);
    if (e.length === 0) return '';
    const shown = e.slice(0, 12).map(([k, n]) => `${esc(k)} ×${n.toLocaleString('en')}`).join(', ');
    return `<tr><td>${what}</td><td>${shown}${e.length > 12 ? `, and ${e.length - 12} more (summary.json)` : ''}</td></tr>`;
  };
  const rows = [
    `<tr><td>rows read</td><td>${q.rows.toLocaleString('en')}</td></tr>`,
    `<tr><td>rejected</td><td>${q.rejected.toLocaleString('en')} (${(100 * q.rejectedShare).toFixed(1)} %)</td></tr>`,
    list(q.rejectedByReason, 'rejected, by reason'),
    ...codeRows(q.eventCodes, list),
    list(q.unmappedChannels, 'detector events of unmapped channels (device/channel)'),
    list(q.unknownDevices, 'rows of unmapped devices'),
    list(q.unmappedPhases, 'phase events of unmapped NEMA phases (device/phase)'),
    q.repeatedDetectorOns ? `<tr><td>repeated detector-on events (counted, off imputed)</td><td>${q.repeatedDetectorOns.toLocaleString('en')}</td></tr>` : '',
    atspm ? `<tr><td>detector configuration</td><td>${esc(atspm.detectorConfig)}</td></tr>` : '',
    atspm ? `<tr><td>ATSPM tables (local time, ${esc(atspm.timeZone)})</td><td>${atspm.tables.map((t) => `${esc(t.file)} (${t.rows} rows)`).join(', ')} in ${esc(atspm.directory)}</td></tr>` : '',
  ];
  const flags = q.flags.map((f) => `<p class="flag">${esc(f)}</p>`).join('');
  return `<h2>Input</h2>${flags}<table class="input">${rows.join('')}</table>`;
}

function pct(s: SourceTotals): number {
  return s.arrivals > 0 ? Math.round((1000 * s.arrivalsOnGreen) / s.arrivals) / 10 : 0;
}

/** Which way is better: a change of a neutral figure (plan changes) is shown uncoloured. */
type Better = 'lower' | 'higher' | 'neutral';

function totalRow(label: string, a: number, e: number, digits: number, better: Better): string {
  const d = e - a;
  const good = better === 'lower' ? d < 0 : d > 0;
  const rel = a !== 0 ? ` (${d > 0 ? '+' : ''}${((100 * d) / Math.abs(a)).toFixed(1)} %)` : '';
  const cls = d === 0 || better === 'neutral' ? '' : good ? 'good' : 'bad';
  return `<tr><td>${label}</td><td>${a.toFixed(digits)}</td><td>${e.toFixed(digits)}</td><td class="${cls}">${d > 0 ? '+' : ''}${d.toFixed(digits)}${rel}</td></tr>`;
}

function heatmap(title: string, byIntersection: Map<string, ReportBin[]>, binStarts: number[], value: (b: ReportBin) => number, tz: string): string {
  const ids = [...byIntersection.keys()];
  const cw = Math.max(3, Math.min(8, Math.floor(560 / Math.max(1, binStarts.length))));
  const ch = Math.max(3, Math.min(14, Math.floor(600 / Math.max(1, ids.length))));
  const left = 70;
  const w = left + cw * binStarts.length + 10;
  const h = 20 + ch * ids.length + 24;
  const col = new Map(binStarts.map((b, i) => [b, i]));
  const cells: string[] = [];
  ids.forEach((id, r) => {
    if (ch >= 8 || r % Math.ceil(8 / ch) === 0) cells.push(`<text x="${left - 4}" y="${20 + r * ch + ch - 1}" text-anchor="end" font-size="${Math.min(10, ch + 2)}">${esc(id)}</text>`);
    for (const b of byIntersection.get(id)!) cells.push(`<rect x="${left + col.get(b.binStartMs)! * cw}" y="${20 + r * ch}" width="${cw}" height="${ch}" fill="${dosColour(value(b))}"><title>${esc(id)} ${clock(b.binStartMs, tz)} ${esc(tz)}: x = ${value(b)}</title></rect>`);
  });
  binStarts.forEach((b, i) => {
    const label = clock(b, tz);
    if (label.endsWith(':00') && Number(label.slice(0, 2)) % 3 === 0) cells.push(`<text x="${left + i * cw}" y="${h - 8}" font-size="10">${label}</text>`);
  });
  return `<figure><figcaption>${esc(title)} · rows: intersections; columns: 15-minute bins, time of day (${esc(tz)})</figcaption><svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${cells.join('')}</svg>${dosScale()}</figure>`;
}

/** Colour scale of the degree-of-saturation heat maps. */
function dosScale(): string {
  const steps = 24;
  const w = 240;
  const rects = Array.from({ length: steps }, (_, i) => `<rect x="${10 + (i * w) / steps}" y="4" width="${w / steps + 0.5}" height="10" fill="${dosColour((i + 0.5) * (1.2 / steps))}"/>`).join('');
  const ticks = [0, 0.6, 0.85, 1, 1.2].map((v) => `<text x="${10 + (v / 1.2) * w}" y="26" font-size="9" text-anchor="middle">${v === 1.2 ? '≥ 1.2' : v}</text>`).join('');
  return `<svg class="scale" width="${w + 60}" height="30" viewBox="0 0 ${w + 60} 30">${rects}${ticks}<text x="${w + 16}" y="13" font-size="9">x (flow / capacity)</text></svg>`;
}

function dosColour(x: number): string {
  const v = Math.max(0, Math.min(1.2, x)) / 1.2;
  // green → yellow → red
  const r = Math.round(v < 0.6 ? 60 + 320 * v : 255);
  const g = Math.round(v < 0.6 ? 170 : 170 - (v - 0.6) * 380);
  return `rgb(${Math.min(255, r)},${Math.max(0, g)},60)`;
}

function flowChart(id: string, rows: ReportBin[], tz: string): string {
  const w = 300;
  const h = 120;
  const pad = 26;
  const t0 = rows[0].binStartMs;
  const t1 = rows[rows.length - 1].binStartMs + 1;
  const maxFlow = Math.max(1, ...rows.map((r) => r.flowVehPerHour));
  const maxCycle = Math.max(60, ...rows.map((r) => Math.max(r.actual.cycleSeconds, r.engine.cycleSeconds)));
  const X = (t: number) => pad + ((t - t0) / Math.max(1, t1 - t0)) * (w - 2 * pad);
  const line = (f: (r: ReportBin) => number, max: number, colour: string, width = 1.5) =>
    `<polyline fill="none" stroke="${colour}" stroke-width="${width}" points="${rows.map((r) => `${X(r.binStartMs).toFixed(1)},${(h - pad - (f(r) / max) * (h - 2 * pad)).toFixed(1)}`).join(' ')}"/>`;
  return `<figure class="small"><figcaption>${esc(id)}</figcaption><svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">
    <rect x="${pad}" y="${pad}" width="${w - 2 * pad}" height="${h - 2 * pad}" fill="#fafafa" stroke="#ddd"/>
    ${line((r) => r.flowVehPerHour, maxFlow, '#999', 2)}${line((r) => r.actual.cycleSeconds, maxCycle, ACTUAL)}${line((r) => r.engine.cycleSeconds, maxCycle, ENGINE)}
    <text x="2" y="${pad - 4}" font-size="9">${Math.round(maxFlow)} veh/h</text><text x="${w - 2}" y="${pad - 4}" font-size="9" text-anchor="end">${Math.round(maxCycle)} s</text>
    <text x="${pad}" y="${h - 8}" font-size="9">${clock(t0, tz)}</text><text x="${w / 2}" y="${h - 8}" font-size="9" text-anchor="middle">time of day (${esc(tz)})</text><text x="${w - pad}" y="${h - 8}" font-size="9" text-anchor="end">${clock(t1, tz)}</text>
  </svg><div class="legend"><span class="key" style="background:#999"></span> entering flow (veh/h, left) <span class="key" style="background:${ACTUAL}"></span> actual cycle (s, right) <span class="key" style="background:${ENGINE}"></span> engine cycle (s, right)</div></figure>`;
}

interface CorridorGeometry {
  ids: string[];
  distance: number[];
  travel: number[];
  phases: number[][];
}

function corridorGeometry(snap: CorridorSnapshot, network: NetworkFile): CorridorGeometry {
  const links = new Map(network.links.map((l) => [l.id, l]));
  const xs = new Map(network.intersections.map((x) => [x.id, x]));
  const ids = snap.corridor.intersectionIds;
  const distance = [0];
  const travel = [0];
  let d = 0;
  let tt = 0;
  const inLink: Array<string | undefined> = [undefined];
  for (const lid of snap.corridor.linkIds) {
    const l = links.get(lid)!;
    d += l.lengthMetres;
    tt += l.lengthMetres / l.freeFlowSpeedMetresPerSecond;
    if (l.toIntersectionId && ids.indexOf(l.toIntersectionId) === distance.length) {
      distance.push(d);
      travel.push(tt);
      inLink.push(lid);
    }
  }
  const phases = ids.map((id, i) => {
    const x = xs.get(id)!;
    const model = buildIntersectionModel(x, DEFAULT_OPTIMIZER_CONFIG);
    const m =
      i === 0
        ? x.movements.find((mm) => mm.toLinkId === snap.corridor.linkIds[0] && mm.turn === 'through')
        : x.movements.find((mm) => mm.fromLinkId === inLink[i] && mm.turn === 'through');
    return m ? model.movements[model.movementIndexById.get(m.id)!].phaseIndices : [];
  });
  return { ids, distance, travel, phases };
}

/** Through bandwidth, seconds: departures in one cycle of the first signal that ride green at every signal. */
export function bandwidthSeconds(g: CorridorGeometry, plans: PhasePlan[], t0: number): number {
  const compiled = plans.map(compilePlan);
  const C = compiled[0].cycleSeconds;
  let band = 0;
  const w: number[] = [];
  for (let s = 0; s < C; s++) {
    const dep = t0 + s + 0.5;
    let ok = true;
    for (let i = 0; i < g.ids.length && ok; i++) {
      w.length = 0;
      const at = dep + g.travel[i];
      greenWindows(compiled[i], g.phases[i], at, at + 0.001, w);
      ok = w.length > 0;
    }
    if (ok) band++;
  }
  return band;
}

function timeSpace(snap: CorridorSnapshot, network: NetworkFile, tz: string): string {
  const g = corridorGeometry(snap, network);
  const t0 = snap.binStartMs / 1000;
  const span = 3 * Math.max(...snap.actual.map((p) => p.cycleSeconds), ...snap.engine.map((p) => p.cycleSeconds));
  const diagram = (plans: PhasePlan[], colour: string, title: string) => {
    const w = 460;
    const h = 40 + 34 * g.ids.length;
    const pad = 60;
    const X = (t: number) => pad + ((t - t0) / span) * (w - pad - 10);
    const maxD = Math.max(1, g.distance[g.distance.length - 1]);
    const Y = (d: number) => h - 24 - (d / maxD) * (h - 54);
    const out: string[] = [];
    g.ids.forEach((id, i) => {
      out.push(`<line x1="${pad}" x2="${w - 10}" y1="${Y(g.distance[i])}" y2="${Y(g.distance[i])}" stroke="#d62728" stroke-width="4"/>`);
      const win: number[] = [];
      greenWindows(compilePlan(plans[i]), g.phases[i], t0, t0 + span, win);
      for (let j = 0; j < win.length; j += 2) out.push(`<line x1="${X(win[j]).toFixed(1)}" x2="${X(win[j + 1]).toFixed(1)}" y1="${Y(g.distance[i])}" y2="${Y(g.distance[i])}" stroke="#2ca02c" stroke-width="4"/>`);
      out.push(`<text x="${pad - 4}" y="${Y(g.distance[i]) + 3}" font-size="10" text-anchor="end">${esc(id)}</text>`);
    });
    // Trajectories of the first and last vehicle of each band that clears every signal.
    const C0 = compilePlan(plans[0]).cycleSeconds;
    for (let s = 0; s < span - g.travel[g.travel.length - 1]; s++) {
      const dep = t0 + s + 0.5;
      let ok = true;
      for (let i = 0; i < g.ids.length && ok; i++) {
        const w2: number[] = [];
        greenWindows(compilePlan(plans[i]), g.phases[i], dep + g.travel[i], dep + g.travel[i] + 0.001, w2);
        ok = w2.length > 0;
      }
      if (ok) out.push(`<line x1="${X(dep).toFixed(1)}" y1="${Y(0)}" x2="${X(dep + g.travel[g.travel.length - 1]).toFixed(1)}" y2="${Y(g.distance[g.distance.length - 1])}" stroke="${colour}" stroke-opacity="0.25"/>`);
    }
    const bw = bandwidthSeconds(g, plans, t0);
    return `<figure><figcaption style="color:${colour}">${title} · through band ${bw} s of a ${C0} s cycle</figcaption><svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${out.join('')}<text x="${pad}" y="${h - 6}" font-size="10">${clock(t0 * 1000, tz, true)}</text><text x="${(pad + w) / 2}" y="${h - 6}" font-size="10" text-anchor="middle">time (s, ${esc(tz)})</text><text x="${w - 10}" y="${h - 6}" font-size="10" text-anchor="end">+${Math.round(span)} s</text><text x="10" y="${h / 2}" font-size="9" transform="rotate(-90 10 ${h / 2})" text-anchor="middle">distance (${Math.round(maxD)} m)</text></svg><div class="legend"><span class="key" style="background:#2ca02c"></span> through green <span class="key" style="background:#d62728"></span> not green <span class="key" style="background:${colour};opacity:0.4"></span> free-flow trajectories through every green</div></figure>`;
  };
  return `<h3>${esc(g.ids.join(' → '))} · busiest 15 min from ${clock(snap.binStartMs, tz)} ${esc(tz)} (${snap.flowVehPerHour} veh/h entering)</h3><div class="row">${diagram(snap.actual, ACTUAL, 'actual plans')}${diagram(snap.engine, ENGINE, "engine's plans")}</div>`;
}

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}h1{font-size:22px}h2{margin-top:32px;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #eee;text-align:right}td:first-child,th:first-child{text-align:left}
.good{color:#1a7f37}.bad{color:#c62828}.meta{color:#666}.row{display:flex;flex-wrap:wrap;gap:16px}.grid{display:flex;flex-wrap:wrap;gap:8px}
figure{margin:0}figcaption{font-weight:600;font-size:12px}.small figcaption{font-weight:400}.key{display:inline-block;width:12px;height:12px;vertical-align:middle}
.legend{font-size:11px;color:#444}.flag{background:#fdecea;border-left:4px solid #c62828;padding:6px 10px}table.input td{text-align:left}`;
