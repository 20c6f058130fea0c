/**
 * Load harness for the live server (not a test): N detectors at 1 Hz, in batches over C sockets, and M feed
 * clients, for a bounded time, first against a bare ws server that receives the same frames and does nothing,
 * then against Greenwave, each in its own child process. Prints counts/s ingested, latency (count batch to
 * engine result; optimisation tick to feed delta), server CPU and memory at start and end, and the ratios.
 *
 *   npx tsx bench/load/load-harness.ts --detectors 50000 --connections 50 --feeds 10 --seconds 60
 */
import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { buildGridNetwork } from '../../network-models/index.js';
import { mulberry32 } from '../../network-models/index.js';
import type { NetworkFile } from '../../network-models/index.js';
import type { HarnessToServer, ServerToHarness } from './load-server.js';

type Sample = Extract<ServerToHarness, { type: 'sample' }>;

const { values: args } = parseArgs({
  options: {
    detectors: { type: 'string', default: '50000' },
    connections: { type: 'string', default: '50' },
    feeds: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '60' },
    period: { type: 'string', default: '60' },
    'sample-every': { type: 'string', default: '10' },
    'skip-bare': { type: 'boolean', default: false },
  },
});
const detectorsWanted = Number(args.detectors);
const connections = Number(args.connections);
const feeds = Number(args.feeds);
const seconds = Number(args.seconds);
const period = Number(args.period);
const sampleEvery = Number(args['sample-every']);

const network = benchCity(detectorsWanted);
const detectorIds = network.detectors.slice(0, detectorsWanted).map((d) => d.id);
const dir = mkdtempSync(join(tmpdir(), 'gw-load-'));
const networkPath = join(dir, 'network.json');
writeFileSync(networkPath, JSON.stringify(network));
const out = (line = '') => process.stdout.write(`${line}\n`);

out(`# Greenwave load harness`);
out(`${detectorIds.length} detectors at 1 Hz over ${connections} sockets (${Math.ceil(detectorIds.length / connections)} counts per batch), ${feeds} feed clients, ${seconds} s per server; ` +
  `network ${network.intersections.length} signals; optimisation every ${period} s; node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
out();

const bare = args['skip-bare'] ? undefined : await run('bare');
const greenwave = await run('greenwave');

out();
out('| server | counts/s offered | counts/s ingested | rejected | result p50 / p99 ms | tick→feed p50 / p99 ms | server CPU % | RSS start → end MB | heap start → end MB |');
out('|---|---|---|---|---|---|---|---|---|');
for (const r of [bare, greenwave]) if (r) out(row(r));
if (bare) {
  out();
  out(`ratio Greenwave / bare ws: CPU per count ${(greenwave.cpuPercent / Math.max(bare.cpuPercent, 0.01)).toFixed(2)}x, RSS at end ${(greenwave.end.rssBytes / bare.end.rssBytes).toFixed(2)}x, ingested/offered ${(greenwave.ingestedPerSecond / greenwave.offeredPerSecond).toFixed(3)} vs ${(bare.ingestedPerSecond / bare.offeredPerSecond).toFixed(3)}`);
}

interface RunResult {
  mode: string;
  offeredPerSecond: number;
  ingestedPerSecond: number;
  rejected: number;
  resultLatencyMs: number[];
  feedLatencyMs: number[];
  cpuPercent: number;
  start: Sample;
  end: Sample;
}

async function run(mode: 'bare' | 'greenwave'): Promise<RunResult> {
  const child = fork(fileURLToPath(new URL('./load-server.ts', import.meta.url)), [mode, networkPath, String(period)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await nextMessage(child, 'ready');
  const url = `ws://127.0.0.1:${ready.port}`;
  const pendingSamples: Array<(s: Sample) => void> = [];
  child.on('message', (m: ServerToHarness) => {
    if (m.type === 'sample') pendingSamples.shift()?.(m);
  });
  const sample = () => new Promise<Sample>((resolve) => {
    pendingSamples.push(resolve);
    child.send({ type: 'sample' } satisfies HarnessToServer);
  });

  const resultLatencyMs: number[] = [];
  const feedLatencyMs: number[] = [];
  const feedSockets = await Promise.all(
    Array.from({ length: feeds }, () =>
      open(mode === 'bare' ? `${url}/v1/feed` : `${url}/v1/feed`, ready.viewerToken, (data) => {
        if (mode === 'bare') return;
        const text = String(data);
        // only KPI deltas are timed (they carry the tick time); snapshot and others are skipped cheaply
        if (!text.startsWith('{"type":"kpi"')) return;
        const at = Number(/"atMs":(\d+)/.exec(text)?.[1]);
        if (at) feedLatencyMs.push(Date.now() - at);
      }),
    ),
  );
  const sentAt = new Map<string, number>();
  const perConnection = Math.ceil(detectorIds.length / connections);
  const detectorSockets = await Promise.all(
    Array.from({ length: connections }, (_, i) =>
      open(`${url}/v1/detectors`, ready.detectorToken, (data) => {
        const text = String(data);
        const ref = /"ref":"([^"]+)"/.exec(text)?.[1];
        const t0 = ref && sentAt.get(ref);
        if (t0) {
          resultLatencyMs.push(Date.now() - t0);
          sentAt.delete(ref!);
        }
      }).then((ws) => ({ ws, ids: detectorIds.slice(i * perConnection, (i + 1) * perConnection) })),
    ),
  );

  await new Promise((r) => setTimeout(r, 1000));
  const start = await sample();
  const startedAt = Date.now();
  const random = mulberry32(7);
  let offered = 0;
  let stopped = false;
  let seq = 0;
  const timers: NodeJS.Timeout[] = [];
  // each socket sends one batch a second, the sockets spread evenly over the second
  detectorSockets.forEach(({ ws, ids }, i) => {
    const fire = () => {
      if (stopped) return;
      const now = Date.now();
      const id = `b${++seq}`;
      const counts = ids.map((detectorId) => ({ detectorId, timestamp: now, count: random() < 0.15 ? 1 : 0, intervalSeconds: 1, occupancy: 0.1 }));
      sentAt.set(id, now);
      ws.send(JSON.stringify({ type: 'batch', id, counts }));
      offered += counts.length;
    };
    // scheduled against the start time, not chained, so the offered rate does not drift below N per second
    const offset = (i * 1000) / connections;
    let k = 0;
    const next = () => {
      fire();
      k++;
      timers[i] = setTimeout(next, Math.max(0, startedAt + offset + k * 1000 - Date.now()));
    };
    timers[i] = setTimeout(next, offset);
  });
  const samples: Sample[] = [start];
  const sampler = setInterval(async () => {
    const s = await sample();
    samples.push(s);
    const last = samples[samples.length - 2];
    // rates over the time between the two samples as the server took them (a tick may delay an answer)
    const dt = (s.atMs - last.atMs) / 1000;
    out(`  ${mode} t=${Math.round((Date.now() - startedAt) / 1000)}s: ${mode === 'bare' ? `${Math.round(((s.messages - last.messages) * perConnection) / dt)} counts/s received` : `${Math.round((s.countsAccepted + s.countsRejected - last.countsAccepted - last.countsRejected) / dt)} counts/s ingested`}, RSS ${mb(s.rssBytes)} MB, heap ${mb(s.heapUsedBytes)} MB, CPU ${(((s.cpuMicros - last.cpuMicros) / 1e6 / dt) * 100).toFixed(0)}%${mode === 'greenwave' ? `, loop lag p99 ${(s.lagP99Seconds * 1000).toFixed(0)} ms` : ''}`);
  }, sampleEvery * 1000);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  stopped = true;
  for (const t of timers) clearTimeout(t);
  clearInterval(sampler);
  // let the last batches land
  await new Promise((r) => setTimeout(r, 1500));
  const end = await sample();
  for (const s of [...detectorSockets.map((d) => d.ws), ...feedSockets]) s.terminate();
  child.send({ type: 'stop' } satisfies HarnessToServer);
  await new Promise((r) => child.once('exit', r));
  const ingested = mode === 'bare' ? (end.messages - start.messages) * perConnection : end.countsAccepted + end.countsRejected - start.countsAccepted - start.countsRejected;
  return {
    mode,
    offeredPerSecond: offered / seconds,
    // everything was sent within `seconds`; the drain pause after it only lets the last batches land
    ingestedPerSecond: ingested / seconds,
    rejected: end.countsRejected - start.countsRejected,
    resultLatencyMs,
    feedLatencyMs,
    cpuPercent: ((end.cpuMicros - start.cpuMicros) / 1e6 / seconds) * 100,
    start,
    end,
  };
}

function row(r: RunResult): string {
  const lat = (xs: number[]) => (xs.length === 0 ? 'n/a' : `${pct(xs, 0.5)} / ${pct(xs, 0.99)}`);
  return `| ${r.mode === 'bare' ? 'bare ws (receives, does nothing)' : 'Greenwave'} | ${Math.round(r.offeredPerSecond)} | ${Math.round(r.ingestedPerSecond)} | ${r.rejected} | ${lat(r.resultLatencyMs)} | ${lat(r.feedLatencyMs)} | ${r.cpuPercent.toFixed(0)} | ${mb(r.start.rssBytes)} → ${mb(r.end.rssBytes)} | ${mb(r.start.heapUsedBytes)} → ${mb(r.end.heapUsedBytes)} |`;
}

function pct(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}

function open(url: string, token: string, onMessage: (data: unknown) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
    ws.on('message', onMessage);
  });
}

function nextMessage(child: ReturnType<typeof fork>, type: 'ready'): Promise<Extract<ServerToHarness, { type: 'ready' }>> {
  return new Promise((resolve) => {
    const on = (m: ServerToHarness) => {
      if (m.type !== type) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
  });
}

/** A square grid city with at least `detectors` detectors (about 16 per signal). */
function benchCity(detectors: number): NetworkFile {
  const side = Math.max(2, Math.ceil(Math.sqrt(detectors / 16)));
  const mainStreetRows = Array.from({ length: side }, (_, r) => r).filter((r) => r % 8 === 1);
  return buildGridNetwork({ name: `bench city ${side}x${side}`, columns: side, rows: side, spacingMetres: 250, mainStreetRows, speedMetresPerSecond: 13.9, sideSpeedMetresPerSecond: 11.1, boundaryLinkMetres: 200, advanceDetectorMetres: 60, timeZone: 'UTC' });
}
