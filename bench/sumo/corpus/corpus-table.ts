/**
 * The corpus table: per scenario and teleport mode, each control's mean time loss (with its 95th percentile and
 * what went wrong: vehicles never inserted, teleports, jams), the best of SUMO's own controls and every other
 * control's ratio to it; geometric means of the ratios per split.
 */
import type { CellMetrics, CellResult, TeleportMode } from './corpus-cell.js';
import type { CorpusScenario, Split } from './corpus-scenarios.js';

/** SUMO's own controls rebuilt from the network's phases: what every other control is compared with. */
export const BUILT_IN = ['static', 'actuated', 'delay_based'] as const;

export interface AveragedCell {
  meanTimeLossSeconds: number;
  p95TimeLossSeconds: number;
  neverInserted: number;
  teleports: number;
  jammed: number;
  wallSeconds: number;
  seeds: number;
}

export interface ScenarioRow {
  scenario: string;
  split: Split;
  family: string;
  teleport: TeleportMode;
  cells: Record<string, AveragedCell | null>;
  errors: Record<string, string>;
  bestBuiltIn: { control: string; cell: AveragedCell } | null;
  /** Each control's mean time loss over the best built-in's. */
  ratios: Record<string, number | null>;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Means over seeds; null unless every requested seed ran. */
export function averageCells(results: CellResult[], seeds: number): AveragedCell | null {
  const ok = results.filter((r) => r.metrics).map((r) => r.metrics!);
  if (ok.length < seeds || ok.length === 0) return null;
  const m = (f: (c: CellMetrics) => number) => mean(ok.map(f));
  return {
    meanTimeLossSeconds: m((c) => c.meanTimeLossSeconds),
    p95TimeLossSeconds: m((c) => c.p95TimeLossSeconds),
    neverInserted: m((c) => c.neverInserted),
    teleports: m((c) => c.teleports),
    jammed: m((c) => c.jammed),
    wallSeconds: m((c) => c.wallSeconds),
    seeds: ok.length,
  };
}

export function buildRows(scenarios: CorpusScenario[], results: CellResult[], controls: string[], teleports: TeleportMode[], seeds: number): ScenarioRow[] {
  const rows: ScenarioRow[] = [];
  for (const s of scenarios) {
    for (const teleport of teleports) {
      const cells: Record<string, AveragedCell | null> = {};
      const errors: Record<string, string> = {};
      for (const c of controls) {
        const mine = results.filter((r) => r.scenario === s.name && r.control === c && r.teleport === teleport);
        cells[c] = averageCells(mine, seeds);
        const err = mine.find((r) => r.error);
        if (err) errors[c] = err.error!;
      }
      let best: ScenarioRow['bestBuiltIn'] = null;
      for (const c of BUILT_IN) {
        const cell = cells[c];
        if (cell && (!best || cell.meanTimeLossSeconds < best.cell.meanTimeLossSeconds)) best = { control: c, cell };
      }
      const ratios: Record<string, number | null> = {};
      for (const c of controls) {
        const cell = cells[c];
        ratios[c] = cell && best && best.cell.meanTimeLossSeconds > 0 ? cell.meanTimeLossSeconds / best.cell.meanTimeLossSeconds : null;
      }
      rows.push({ scenario: s.name, split: s.split, family: s.family, teleport, cells, errors, bestBuiltIn: best, ratios });
    }
  }
  return rows;
}

/** Geometric mean of each control's ratio over the rows (null when a row lacks it). */
export function geometricMeans(rows: ScenarioRow[], controls: string[]): Record<string, { value: number | null; over: number; missing: number }> {
  const out: Record<string, { value: number | null; over: number; missing: number }> = {};
  for (const c of controls) {
    const rs = rows.map((r) => r.ratios[c]).filter((v): v is number => v !== null && v > 0);
    out[c] = { value: rs.length ? Math.exp(mean(rs.map(Math.log))) : null, over: rs.length, missing: rows.length - rs.length };
  }
  return out;
}

function fmtCell(cell: AveragedCell | null, error: string | undefined): string {
  if (!cell) return error ? 'failed' : '-';
  const flags: string[] = [];
  if (cell.neverInserted > 0) flags.push(`ni ${Math.round(cell.neverInserted)}`);
  if (cell.teleports > 0) flags.push(`tp ${Math.round(cell.teleports)}`);
  if (cell.jammed > 0) flags.push(`jam ${Math.round(cell.jammed)}`);
  return `${cell.meanTimeLossSeconds.toFixed(1)} / ${cell.p95TimeLossSeconds.toFixed(0)}${flags.length ? ` (${flags.join(', ')})` : ''}`;
}

/**
 * Markdown: one row per scenario and teleport mode. A cell reads "mean / p95" time loss in seconds, then
 * (ni: vehicles never inserted, tp: teleports, jam: vehicles standing 300 s or more at the end).
 */
export function formatTable(rows: ScenarioRow[], controls: string[]): string {
  const compared = controls.filter((c) => !(BUILT_IN as readonly string[]).includes(c));
  const lines: string[] = [];
  const head = ['scenario', 'split', 'teleport', ...controls.map((c) => `${c} s`), 'best built-in', ...compared.map((c) => `${c} ratio`)];
  lines.push(`| ${head.join(' | ')} |`, `|${' --- |'.repeat(head.length)}`);
  const ordered = [...rows].sort((a, b) => (a.split === b.split ? 0 : a.split === 'train' ? -1 : 1));
  for (const r of ordered) {
    lines.push(
      `| ${[
        r.scenario,
        r.split,
        r.teleport,
        ...controls.map((c) => fmtCell(r.cells[c], r.errors[c])),
        r.bestBuiltIn ? r.bestBuiltIn.control : '-',
        ...compared.map((c) => (r.ratios[c] === null ? '-' : r.ratios[c]!.toFixed(2))),
      ].join(' | ')} |`,
    );
  }
  lines.push('', geometricMeanLines(rows, controls));
  return `${lines.join('\n')}\n`;
}

export function geometricMeanLines(rows: ScenarioRow[], controls: string[]): string {
  const compared = controls.filter((c) => !(BUILT_IN as readonly string[]).includes(c));
  const out: string[] = ['| geometric mean of ratios to the best built-in | teleport | scenarios | ' + compared.join(' | ') + ' |', `|${' --- |'.repeat(compared.length + 3)}`];
  const teleports = [...new Set(rows.map((r) => r.teleport))];
  for (const split of ['train', 'validation', 'all'] as const) {
    for (const t of teleports) {
      const rs = rows.filter((r) => r.teleport === t && (split === 'all' || r.split === split));
      if (rs.length === 0) continue;
      const g = geometricMeans(rs, compared);
      out.push(`| ${split} | ${t} | ${rs.length} | ${compared.map((c) => (g[c].value === null ? '-' : `${g[c].value!.toFixed(3)}${g[c].missing ? ` (${g[c].missing} missing)` : ''}`)).join(' | ')} |`);
    }
  }
  return out.join('\n');
}

/** Two result files side by side: each scenario's ratio of `control` in A and in B, and the geometric means. */
export function formatComparison(a: { label: string; rows: ScenarioRow[] }, b: { label: string; rows: ScenarioRow[] }, control: string): string {
  const key = (r: ScenarioRow) => `${r.scenario}\0${r.teleport}`;
  const bByKey = new Map(b.rows.map((r) => [key(r), r]));
  const lines = [`| scenario | split | teleport | ${a.label} ${control} ratio | ${b.label} ${control} ratio | change |`, '| --- | --- | --- | --- | --- | --- |'];
  const pairs: Array<[ScenarioRow, ScenarioRow]> = [];
  for (const ra of a.rows) {
    const rb = bByKey.get(key(ra));
    if (!rb) continue;
    pairs.push([ra, rb]);
    const x = ra.ratios[control];
    const y = rb.ratios[control];
    const change = x !== null && y !== null ? `${y < x ? '' : '+'}${(((y - x) / x) * 100).toFixed(1)} %` : '-';
    lines.push(`| ${ra.scenario} | ${ra.split} | ${ra.teleport} | ${x === null ? '-' : x.toFixed(3)} | ${y === null ? '-' : y.toFixed(3)} | ${change} |`);
  }
  for (const split of ['train', 'validation', 'all'] as const) {
    const ps = pairs.filter(([r]) => split === 'all' || r.split === split).filter(([x, y]) => x.ratios[control] !== null && y.ratios[control] !== null);
    if (ps.length === 0) continue;
    const g = (i: 0 | 1) => Math.exp(mean(ps.map((p) => Math.log(p[i].ratios[control]!))));
    lines.push(`| **geometric mean, ${split}** (${ps.length} rows both ran) | | | **${g(0).toFixed(3)}** | **${g(1).toFixed(3)}** | |`);
  }
  return `${lines.join('\n')}\n`;
}
