// Frame budget of the operations dashboard (issue 15): what a feed delta costs the page, from its arrival to the
// end of the paint of the frame that shows it, with 1,000 and 10,000 intersections, in headless Chromium (Debian's
// /usr/bin/chromium). Targets: under 16 ms at 1,000, under 50 ms at 10,000. The page is the built dashboard (npm run
// build); the feed is played by this script through Playwright's WebSocket routing (a snapshot of a generated grid
// city, then KPI deltas), so only the page is measured, not a server. Reported per frame (web/dashboard/src/
// frame-probe.ts): the latency from the delta's arrival to the end of the frame's paint (style, layout and paint
// included), which includes waiting for the display's next frame, and the work: applying the delta(s) plus the
// frame (re-render, map draw, style, layout, paint), which is what must fit the frame budget; the target is judged
// on the work's p95. Run: npx tsx bench/dashboard-frame.bench.ts [side ...]
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveStaticFiles } from '../adapters/http/index.js';
import { networkSummary } from '../adapters/websocket/index.js';
import { buildGridNetwork } from '../network-models/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Rounds of one delta (a p95 of 100 is its 95th value, not the second largest of 20) and of a whole interval. */
const ONE_ROUNDS = 100;
const ALL_ROUNDS = 20;
/** Sides of the generated grid cities (side x side intersections); `npx tsx bench/dashboard-frame.bench.ts 32` for one. */
const SIDES = process.argv.slice(2).length ? process.argv.slice(2).map(Number) : [32, 100];
const T0 = Date.UTC(2026, 10, 23, 8, 0);

// another build's page (e.g. an earlier commit's, for a before/after on the same machine): GREENWAVE_WEB_DIR=<dist/web>
const statics = serveStaticFiles(process.env.GREENWAVE_WEB_DIR ?? join(root, 'dist', 'web'));
const http = createServer((req, res) => {
  if (!statics(req, res)) res.writeHead(404).end();
});
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const rows: string[] = [];
for (const side of SIDES) {
  const network = buildGridNetwork({ name: `bench city ${side}x${side}`, columns: side, rows: side, spacingMetres: 250, mainStreetRows: [Math.floor(side / 2)], speedMetresPerSecond: 13.9, sideSpeedMetresPerSecond: 11.1, boundaryLinkMetres: 200, advanceDetectorMetres: 60, timeZone: 'UTC' });
  const ids = network.intersections.map((x) => x.id);
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  let send: ((m: unknown) => void) | undefined;
  await page.routeWebSocket(/\/v1\/feed/, (ws) => {
    send = (m) => ws.send(JSON.stringify(m));
    send({ type: 'snapshot', protocolVersion: 1, atMs: T0, network: networkSummary(network), plans: [], controllers: [], detectors: { total: network.detectors.length, healthy: network.detectors.length, faulty: [] }, kpis: [], alarms: [], counters: { countsAccepted: 0, countsRejected: 0, rejectedByCode: {}, optimisations: 0, plansEmitted: 0, plansRejected: 0 } });
  });
  await page.goto(`${base}/?token=bench`);
  await page.waitForSelector('[data-testid=connection]:text-is("live")', { timeout: 60_000 });
  const kpi = (id: string, round: number) => ({ type: 'kpi', atMs: T0 + round * 60_000, intersectionId: id, flowVehPerHour: 1000 + ((round * 37) % 900), maxDegreeOfSaturation: ((round * 13 + id.length) % 140) / 100, delayVehHoursPerHour: 1 });
  type Samples = Record<'deltaToPaintMs' | 'workMs' | 'applyMs' | 'frameMs', number[]>;
  type Probe = { greenwaveFrames: Samples & { drawMs: number[] } };
  const measure = async (rounds: number, perRound: (round: number) => void): Promise<Samples> => {
    await page.evaluate(() => {
      const f = (globalThis as unknown as Probe).greenwaveFrames;
      for (const samples of Object.values(f)) samples.length = 0;
    });
    for (let round = 1; round <= rounds; round++) {
      perRound(round);
      // polled on a timer: polling on animation frames would add frames (and rAF callbacks) of its own to the trace
      await page.waitForFunction((n) => (globalThis as unknown as Probe).greenwaveFrames.deltaToPaintMs.length >= n, round, { timeout: 300_000, polling: 5 });
    }
    return page.evaluate(() => {
      const f = (globalThis as unknown as Probe).greenwaveFrames;
      return { deltaToPaintMs: [...f.deltaToPaintMs], workMs: [...f.workMs], applyMs: [...f.applyMs], frameMs: [...f.frameMs] };
    });
  };
  // traced: the frames' main-thread CPU time, which other processes on a busy machine do not inflate
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', ...(process.env.GREENWAVE_TRACE_CATEGORIES?.split(',') ?? [])] });
  const one = await measure(ONE_ROUNDS, (round) => send!(kpi(ids[round % ids.length], round)));
  const trace = await browser.stopTracing();
  const oneCpu = frameCpuMs(trace);
  if (process.env.GREENWAVE_FRAME_BREAKDOWN) process.stderr.write(frameBreakdown(trace));
  if (process.env.GREENWAVE_TRACE_FILE) (await import('node:fs')).writeFileSync(`${process.env.GREENWAVE_TRACE_FILE}-${side}.json`, trace);
  const all = await measure(ALL_ROUNDS, (round) => ids.forEach((id) => send!(kpi(id, round))));
  const target = ids.length < 5000 ? 16 : 50;
  process.stderr.write(`${ids.length} intersections measured\n`);
  const p = (xs: number[]) => `${percentile(xs, 0.5).toFixed(1)} / ${percentile(xs, 0.95).toFixed(1)}`;
  const verdict = (xs: number[]) => (percentile(xs, 0.95) < target ? 'met' : '**not met**');
  rows.push(
    `| ${ids.length.toLocaleString('en')} | one delta (${ONE_ROUNDS}) | ${p(one.workMs)} | ${p(one.applyMs)} | ${p(one.frameMs)} | ${p(oneCpu)} | ${p(one.deltaToPaintMs)} | ${target} ms: wall ${verdict(one.workMs)}, CPU ${verdict(oneCpu)} |`,
    `| ${ids.length.toLocaleString('en')} | whole interval, ${ids.length.toLocaleString('en')} deltas (${ALL_ROUNDS}) | ${p(all.workMs)} | ${p(all.applyMs)} | ${p(all.frameMs)} | | ${p(all.deltaToPaintMs)} | |`,
  );
  await page.close();
}
await browser.close();
http.close();
process.stdout.write(
  `dashboard frame budget (1920x1080, headless Chromium), ms p50 / p95; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n` +
    `| intersections | deltas per frame (rounds) | work = apply + frame (wall) | apply (wall) | frame, render to paint (wall) | frame, main-thread CPU (trace) | latency: arrival to painted (wall) | target (p95) |\n|---|---|---|---|---|---|---|---|\n${rows.join('\n')}\n`,
);

/**
 * Main-thread CPU time of each animation frame in a Chromium trace: the thread time of the task that ran its
 * animation-frame callbacks (the page's re-render and map draw, then style, layout, paint and the commit).
 */
function frameCpuMs(trace: Buffer): number[] {
  type TraceEvent = { name: string; ph: string; pid: number; tid: number; ts: number; dur?: number; tdur?: number; args?: { name?: string } };
  const events = (JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  const renderer = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const onMain = (e: TraceEvent) => e.ph === 'X' && renderer.has(`${e.pid}:${e.tid}`);
  const tasks = events.filter((e) => e.name === 'RunTask' && onMain(e));
  const out: number[] = [];
  for (const frame of events.filter((e) => e.name === 'FireAnimationFrame' && onMain(e))) {
    const task = tasks.find((t) => t.pid === frame.pid && t.tid === frame.tid && t.ts <= frame.ts && frame.ts <= t.ts + (t.dur ?? 0));
    if (task) out.push((task.tdur ?? task.dur ?? 0) / 1000);
  }
  return out;
}

/**
 * Where the frames' main-thread time goes (GREENWAVE_FRAME_BREAKDOWN=1): the mean thread time per frame of each
 * event directly inside the tasks that ran animation-frame callbacks (script, style, layout, pre-paint, paint,
 * commit...), largest first.
 */
function frameBreakdown(trace: Buffer): string {
  type TraceEvent = { name: string; ph: string; pid: number; tid: number; ts: number; dur?: number; tdur?: number; args?: { name?: string } };
  const events = (JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  const renderer = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const onMain = events.filter((e) => e.ph === 'X' && renderer.has(`${e.pid}:${e.tid}`)).sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const tasks = onMain.filter((e) => e.name === 'RunTask');
  const frameTasks = tasks.filter((t) => onMain.some((e) => e.name === 'FireAnimationFrame' && e.pid === t.pid && e.tid === t.tid && t.ts <= e.ts && e.ts <= t.ts + (t.dur ?? 0)));
  const total = new Map<string, number>();
  for (const t of frameTasks) {
    // the task's direct children: events inside it not inside an earlier child
    let childEnd = -1;
    for (const e of onMain) {
      if (e === t || e.pid !== t.pid || e.tid !== t.tid || e.ts < t.ts || e.ts > t.ts + (t.dur ?? 0)) continue;
      if (e.ts < childEnd) continue;
      childEnd = e.ts + (e.dur ?? 0);
      total.set(e.name, (total.get(e.name) ?? 0) + (e.tdur ?? e.dur ?? 0) / 1000);
    }
  }
  const n = frameTasks.length || 1;
  // every Chromium thread's time (the display compositor, raster workers, the browser...), which on a two-core
  // machine competes with the page's main thread for the cores: top-level events per thread
  const names = new Map(events.filter((e) => e.name === 'thread_name').map((e) => [`${e.pid}:${e.tid}`, e.args?.name ?? '?']));
  const byThread = new Map<string, number>();
  const threadEnd = new Map<string, number>();
  for (const e of events.filter((x) => x.ph === 'X').sort((a, b) => a.ts - b.ts)) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ts < (threadEnd.get(key) ?? -1)) continue;
    threadEnd.set(key, e.ts + (e.dur ?? 0));
    const name = names.get(key) ?? key;
    byThread.set(name, (byThread.get(name) ?? 0) + (e.tdur ?? 0) / 1000);
  }
  const all = [...byThread.values()].reduce((a, b) => a + b, 0);
  return (
    `${frameTasks.length} frames, mean main-thread ms per frame by event:\n${[...total].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([k, v]) => `  ${k} ${(v / n).toFixed(2)}`).join('\n')}\n` +
    `all Chromium threads, ms per frame: ${(all / n).toFixed(2)} (${[...byThread].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${(v / n).toFixed(2)}`).join(', ')})\n`
  );
}
