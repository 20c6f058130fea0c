import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import type { DetectorHealth } from '../../../engine/index.js';
import { saturationBand, type DashboardState, type SaturationBand } from './feed-state.js';
import { painted } from './frame-probe.js';

/** The map panel's white: the map is opaque (compositing skips what is under it and blends nothing). */
const MAP_BACKGROUND = '#fff';
const BAND_COLOUR = { none: '#9aa5b1', low: '#2f9e44', medium: '#f2c94c', high: '#f08c00', over: '#d9480f' } as const;

interface Props {
  state: DashboardState;
  /** Faulty detectors by intersection (the page computes it once per render). */
  faults: ReadonlyMap<string, DetectorHealth[]>;
  selected: string | null;
  onSelect(id: string): void;
}

/** The network drawn from its own coordinates on a canvas (fast enough for thousands of signals, no tiles). */
export function NetworkMap({ state, faults, selected, onSelect }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const layout = useRef<{ ids: string[]; xs: Float64Array; ys: Float64Array } | null>(null);
  const latest = useRef({ state, faults, selected });
  latest.current = { state, faults, selected };

  // Drawn in the same frame as the render that a delta caused (a layout effect runs right after it; a plain
  // effect, or another requestAnimationFrame, waited a frame or two more: 46 ms from delta to paint).
  useLayoutEffect(() => {
    const el = canvas.current;
    if (el && state.network) draw(el, state, faults, selected, layout);
  }, [state.revision, selected, state.network]);

  // The canvas's size comes from a ResizeObserver, called after layout: reading clientWidth in each draw forced a
  // style and layout of the page in the middle of every frame.
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      const was = cssSize.get(el);
      const w = el.clientWidth;
      const h = el.clientHeight;
      if (was && was.w === w && was.h === h) return;
      cssSize.set(el, { w, h });
      const { state: s, faults: f, selected: sel } = latest.current;
      if (s.network) draw(el, s, f, sel, layout);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const click = (ev: MouseEvent) => {
    const l = layout.current;
    const el = canvas.current;
    if (!l || !el) return;
    const r = el.getBoundingClientRect();
    const x = ev.clientX - r.left;
    const y = ev.clientY - r.top;
    let best = -1;
    let bestD = 14 * 14;
    for (let i = 0; i < l.ids.length; i++) {
      const d = (l.xs[i] - x) ** 2 + (l.ys[i] - y) ** 2;
      if (d < bestD) [best, bestD] = [i, d];
    }
    if (best >= 0) onSelect(l.ids[best]);
  };

  return <canvas ref={canvas} class="map" onClick={click} aria-label="network map" data-testid="network-map" />;
}

/** What does not change from one feed delta to the next: positions on screen, roads, whether labels fit. */
interface StaticLayer {
  key: string;
  xs: Float64Array;
  ys: Float64Array;
  index: Map<string, number>;
  labelled: boolean;
  roads: HTMLCanvasElement;
  /** Signals by cell of GRID_CELL_PX, to find the marks a repainted rectangle touches. */
  grid: Map<number, number[]>;
  /** Half-extents of a signal's marks (dot, cross, fault triangle, selection ring, label) around its centre, px. */
  box: { left: number; right: number; top: number; bottom: number };
}

const GRID_CELL_PX = 32;
const cellKey = (cx: number, cy: number) => cx * 65_536 + cy;

let staticLayer: StaticLayer | null = null;

function staticLayerFor(net: NonNullable<DashboardState['network']>, w: number, h: number, dpr: number): StaticLayer {
  const key = `${w}x${h}@${dpr}`;
  if (staticLayer && staticLayer.key === key && staticNetwork === net) return staticLayer;
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const x of net.intersections) {
    minX = Math.min(minX, x.position.xMetres);
    maxX = Math.max(maxX, x.position.xMetres);
    minY = Math.min(minY, x.position.yMetres);
    maxY = Math.max(maxY, x.position.yMetres);
  }
  const pad = 28;
  const scale = Math.min((w - 2 * pad) / Math.max(1, maxX - minX), (h - 2 * pad) / Math.max(1, maxY - minY));
  const ox = (w - (maxX - minX) * scale) / 2;
  const oy = (h - (maxY - minY) * scale) / 2;
  const n = net.intersections.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const index = new Map<string, number>();
  net.intersections.forEach((x, i) => {
    xs[i] = ox + (x.position.xMetres - minX) * scale;
    ys[i] = h - (oy + (x.position.yMetres - minY) * scale);
    index.set(x.id, i);
  });
  const roads = document.createElement('canvas');
  roads.width = Math.round(w * dpr);
  roads.height = Math.round(h * dpr);
  const ctx = roads.getContext('2d', { alpha: false })!;
  ctx.fillStyle = MAP_BACKGROUND;
  ctx.fillRect(0, 0, roads.width, roads.height);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.strokeStyle = '#ced4da';
  ctx.lineWidth = n > 300 ? 1 : 3;
  ctx.beginPath();
  for (const [a, b] of net.roads ?? []) {
    const i = index.get(a);
    const j = index.get(b);
    if (i === undefined || j === undefined) continue;
    ctx.moveTo(xs[i], ys[i]);
    ctx.lineTo(xs[j], ys[j]);
  }
  ctx.stroke();
  const grid = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const k = cellKey(Math.floor(xs[i] / GRID_CELL_PX), Math.floor(ys[i] / GRID_CELL_PX));
    const list = grid.get(k);
    if (list) list.push(i);
    else grid.set(k, [i]);
  }
  const labelled = labelsFit(xs, ys);
  const radius = radiusFor(n);
  let labelHalf = 0;
  if (labelled) {
    ctx.font = LABEL_FONT;
    for (const x of net.intersections) labelHalf = Math.max(labelHalf, ctx.measureText(x.id).width / 2 + 2);
  }
  const box = { left: Math.max(radius + 7, labelHalf), right: Math.max(radius + 7, labelHalf), top: radius + 11, bottom: labelled ? radius + 19 : radius + 7 };
  staticNetwork = net;
  staticLayer = { key, xs, ys, index, labelled, roads, grid, box };
  return staticLayer;
}

/**
 * Sets the label font only when the context does not have it already: assigning a font makes Chromium resolve it
 * against the canvas element's style, which forces a style recalculation in the frame when the page changed.
 */
function setLabelFont(ctx: CanvasRenderingContext2D): void {
  if (ctx.font === appliedLabelFont) return;
  ctx.font = LABEL_FONT;
  appliedLabelFont = ctx.font;
}
let appliedLabelFont = '';

let staticNetwork: DashboardState['network'] | null = null;

const BANDS: readonly SaturationBand[] = ['none', 'low', 'medium', 'high', 'over'];
const LABEL_FONT = '11px system-ui, sans-serif';
const radiusFor = (n: number) => (n > 300 ? 3.5 : n > 60 ? 6 : 10);

/** The canvas's size in CSS pixels, as its ResizeObserver last saw it (read once before it first reports). */
const cssSize = new WeakMap<HTMLCanvasElement, { w: number; h: number }>();

/** What the canvas shows now, so that a delta repaints only the signals it changed. */
let onCanvas: { el: HTMLCanvasElement; layer: StaticLayer; selected: string | null; labels: number } | null = null;

/** Beyond this share of the signals changed, one full repaint is cheaper than many small ones. */
const INCREMENTAL_SHARE = 0.25;

function draw(
  el: HTMLCanvasElement,
  state: DashboardState,
  faults: ReadonlyMap<string, DetectorHealth[]>,
  selected: string | null,
  layout: { current: { ids: string[]; xs: Float64Array; ys: Float64Array } | null },
): void {
  const drawStartMs = performance.now();
  const net = state.network!;
  const dpr = window.devicePixelRatio || 1;
  let size = cssSize.get(el);
  if (!size) cssSize.set(el, (size = { w: el.clientWidth, h: el.clientHeight }));
  const { w, h } = size;
  if (el.width !== Math.round(w * dpr) || el.height !== Math.round(h * dpr)) {
    el.width = Math.round(w * dpr);
    el.height = Math.round(h * dpr);
    onCanvas = null;
  }
  const ctx = el.getContext('2d', { alpha: false })!;
  // positions and roads are drawn once per network and size; a delta repaints only the marks over them
  const layer = staticLayerFor(net, w, h, dpr);
  const { xs, ys } = layer;
  const n = net.intersections.length;
  if (layout.current?.xs !== xs) layout.current = { ids: net.intersections.map((x) => x.id), xs, ys };
  const marks = { state, faults, selected: selected === null ? -1 : (layer.index.get(selected) ?? -1) };

  const incremental = onCanvas !== null && onCanvas.el === el && onCanvas.layer === layer && onCanvas.selected === selected && !state.allChanged && state.changed.size <= n * INCREMENTAL_SHARE;
  let labels: number;
  if (incremental) {
    labels = onCanvas!.labels;
    if (state.changed.size > 0) repaintChanged(ctx, layer, dpr, net, marks, state.changed);
  } else {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalCompositeOperation = 'copy';
    ctx.drawImage(layer.roads, 0, 0);
    ctx.globalCompositeOperation = 'source-over';
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const all: number[] = [];
    for (let i = 0; i < n; i++) all.push(i);
    labels = drawMarks(ctx, layer, net, marks, all);
  }
  state.changed.clear();
  state.allChanged = false;
  onCanvas = { el, layer, selected, labels };
  el.dataset.labels = String(labels);
  el.dataset.repaint = incremental ? 'changed' : 'full';
  painted(drawStartMs);
}

interface Marks {
  state: DashboardState;
  faults: ReadonlyMap<string, DetectorHealth[]>;
  /** Index of the selected signal, or -1. */
  selected: number;
}

/**
 * Repaints the signals in `changed`: under a clip of their marks' rectangles, the roads there, then every signal's
 * marks that touch those rectangles (neighbours included, so overlapping marks stay whole), in drawing order.
 */
function repaintChanged(ctx: CanvasRenderingContext2D, layer: StaticLayer, dpr: number, net: NonNullable<DashboardState['network']>, marks: Marks, changed: ReadonlySet<string>): void {
  const { xs, ys, box } = layer;
  const clip = new Path2D();
  const touched = new Set<number>();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  for (const id of changed) {
    const i = layer.index.get(id);
    if (i === undefined) continue;
    // the rectangle in whole device pixels (a clip edge inside a pixel would blend it)
    const dx = Math.max(0, Math.floor((xs[i] - box.left) * dpr));
    const dy = Math.max(0, Math.floor((ys[i] - box.top) * dpr));
    const dw = Math.min(layer.roads.width, Math.ceil((xs[i] + box.right) * dpr)) - dx;
    const dh = Math.min(layer.roads.height, Math.ceil((ys[i] + box.bottom) * dpr)) - dy;
    if (dw <= 0 || dh <= 0) continue;
    const [x0, y0, x1, y1] = [dx / dpr, dy / dpr, (dx + dw) / dpr, (dy + dh) / dpr];
    clip.rect(x0, y0, x1 - x0, y1 - y0);
    // the roads under it
    ctx.drawImage(layer.roads, dx, dy, dw, dh, dx, dy, dw, dh);
    // every signal whose marks reach into the rectangle
    const reachX = box.left + box.right;
    const reachY = box.top + box.bottom;
    for (let cx = Math.floor((x0 - reachX) / GRID_CELL_PX); cx <= Math.floor((x1 + reachX) / GRID_CELL_PX); cx++)
      for (let cy = Math.floor((y0 - reachY) / GRID_CELL_PX); cy <= Math.floor((y1 + reachY) / GRID_CELL_PX); cy++)
        for (const j of layer.grid.get(cellKey(cx, cy)) ?? []) {
          if (xs[j] + box.right < x0 || xs[j] - box.left > x1 || ys[j] + box.bottom < y0 || ys[j] - box.top > y1) continue;
          touched.add(j);
        }
  }
  ctx.save();
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clip(clip);
  drawMarks(ctx, layer, net, marks, [...touched].sort((a, b) => a - b));
  ctx.restore();
}

/** Draws the marks of the signals `indices` (in order), one path per colour; returns the labels drawn. */
function drawMarks(ctx: CanvasRenderingContext2D, layer: StaticLayer, net: NonNullable<DashboardState['network']>, marks: Marks, indices: readonly number[]): number {
  const { xs, ys } = layer;
  const { state, faults } = marks;
  const radius = radiusFor(net.intersections.length);
  // One path per colour: a fill per band, not per signal (10,000 fills were most of a frame).
  const paths = new Map<SaturationBand, Path2D>(BANDS.map((b) => [b, new Path2D()]));
  const unsignalised = new Path2D();
  const offline = new Path2D();
  const faulty = new Path2D();
  const intersections = net.intersections;
  for (const i of indices) {
    const x = intersections[i];
    const cx = xs[i];
    const cy = ys[i];
    if (x.control !== 'signalized') {
      unsignalised.rect(cx - 2, cy - 2, 4, 4);
      continue;
    }
    const path = paths.get(saturationBand(state.latestKpi.get(x.id)?.maxDegreeOfSaturation))!;
    path.moveTo(cx + radius, cy);
    path.arc(cx, cy, radius, 0, Math.PI * 2);
    const control = state.controlOf.get(x.id);
    if (control && !control.online) {
      // controller offline: a black cross over the signal
      offline.moveTo(cx - radius - 2, cy - radius - 2);
      offline.lineTo(cx + radius + 2, cy + radius + 2);
      offline.moveTo(cx + radius + 2, cy - radius - 2);
      offline.lineTo(cx - radius - 2, cy + radius + 2);
    }
    if (faults.has(x.id)) {
      // detector fault: an orange triangle above the signal
      faulty.moveTo(cx, cy - radius - 9);
      faulty.lineTo(cx - 5, cy - radius - 1);
      faulty.lineTo(cx + 5, cy - radius - 1);
      faulty.closePath();
    }
  }
  ctx.fillStyle = '#dee2e6';
  ctx.fill(unsignalised);
  for (const band of BANDS) {
    ctx.fillStyle = BAND_COLOUR[band];
    ctx.fill(paths.get(band)!);
  }
  ctx.strokeStyle = '#111';
  ctx.lineWidth = 2.5;
  ctx.stroke(offline);
  ctx.fillStyle = '#e8590c';
  ctx.fill(faulty);
  const sel = marks.selected;
  const selectedHere = sel >= 0 && indices.includes(sel);
  if (selectedHere) {
    ctx.strokeStyle = '#1c7ed6';
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.arc(xs[sel], ys[sel], radius + 5, 0, Math.PI * 2);
    ctx.stroke();
  }
  // labels where they can be read without overlapping (and the selected signal's always)
  let labels = 0;
  setLabelFont(ctx);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.lineWidth = 3;
  ctx.strokeStyle = '#fff';
  ctx.fillStyle = '#343a40';
  const label = (i: number) => {
    ctx.strokeText(intersections[i].id, xs[i], ys[i] + radius + 3);
    ctx.fillText(intersections[i].id, xs[i], ys[i] + radius + 3);
    labels++;
  };
  if (layer.labelled) {
    for (const i of indices) if (intersections[i].control === 'signalized') label(i);
  } else if (selectedHere && intersections[sel].control === 'signalized') label(sel);
  return labels;
}

/** Room for an id label under every signal: the closest two signals on screen are at least this far apart. */
const LABEL_SPACING_PX = 44;

/** True when the signals are far enough apart on screen for every label to be read (checked on a grid of cells). */
function labelsFit(xs: Float64Array, ys: Float64Array): boolean {
  if (xs.length > 2000) return false;
  const cell = LABEL_SPACING_PX;
  const cells = new Map<string, number[]>();
  for (let i = 0; i < xs.length; i++) {
    const cx = Math.floor(xs[i] / cell);
    const cy = Math.floor(ys[i] / cell);
    for (let dx = -1; dx <= 1; dx++)
      for (let dy = -1; dy <= 1; dy++)
        for (const j of cells.get(`${cx + dx},${cy + dy}`) ?? []) if (Math.hypot(xs[i] - xs[j], ys[i] - ys[j]) < cell) return false;
    const key = `${cx},${cy}`;
    const list = cells.get(key);
    if (list) list.push(i);
    else cells.set(key, [i]);
  }
  return true;
}
