/**
 * Load harness for the live server (not a test): N detectors at 1 Hz, in batches over C sockets, and M feed
 * clients, for a bounded time, first against a bare ws server that receives the same frames and does nothing,
 * then against Greenwave, each in its own child process. Prints counts/s ingested, latency (count batch to
 * engine result; optimisation tick to feed delta), server CPU and memory at start and end, and the ratios.
 *
 *   npx tsx bench/load/load-harness.ts --detectors 50000 --connections 50 --feeds 10 --seconds 60
 *
 * Soak mode (Greenwave only) adds the clients that hurt a long-running server: a feed client that never reads, a
 * controller reconnect churn (connect, hello, take the plan, leave, a few a second) and a flood client (junk
 * and over-rate messages as fast as the socket takes them); every sample prints RSS, p99 count→result and
 * tick→feed latency over the last window, and RSS drift against the first window:
 *
 *   npx tsx bench/load/load-harness.ts --soak --detectors 48000 --seconds 1800 --sample-every 60
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
    soak: { type: 'boolean', default: false },
  },
});
const soak = args.soak;
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

if (soak) out(`soak: + 1 paused feed client, controller churn (4 reconnects/s), 1 flood client; RSS drift against the first window`);
const bare = args['skip-bare'] || soak ? undefined : await run('bare');
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
  const stopSoak = soak && mode === 'greenwave' ? await startSoakClients(url, ready, () => stopped) : () => undefined;
  const samples: Sample[] = [start];
  let windowStart = { result: resultLatencyMs.length, feed: feedLatencyMs.length };
  const sampler = setInterval(async () => {
    const s = await sample();
    samples.push(s);
    const last = samples[samples.length - 2];
    // rates over the time between the two samples as the server took them (a tick may delay an answer)
    const dt = (s.atMs - last.atMs) / 1000;
    let soakText = '';
    if (soak) {
      const w = (xs: number[], from: number) => (xs.length > from ? `${pct(xs.slice(from), 0.99)}` : 'n/a');
      const firstRss = samples[1].rssBytes;
      soakText = `, p99 count→result ${w(resultLatencyMs, windowStart.result)} ms, p99 tick→feed ${w(feedLatencyMs, windowStart.feed)} ms, RSS drift ${(((s.rssBytes - firstRss) / firstRss) * 100).toFixed(1)} %`;
      windowStart = { result: resultLatencyMs.length, feed: feedLatencyMs.length };
    }
    out(`  ${mode} t=${Math.round((Date.now() - startedAt) / 1000)}s: ${mode === 'bare' ? `${Math.round(((s.messages - last.messages) * perConnection) / dt)} counts/s received` : `${Math.round((s.countsAccepted + s.countsRejected - last.countsAccepted - last.countsRejected) / dt)} counts/s ingested`}, RSS ${mb(s.rssBytes)} MB, heap ${mb(s.heapUsedBytes)} MB, CPU ${(((s.cpuMicros - last.cpuMicros) / 1e6 / dt) * 100).toFixed(0)}%${mode === 'greenwave' ? `, loop lag p99 ${(s.lagP99Seconds * 1000).toFixed(0)} ms` : ''}${soakText}`);
  }, sampleEvery * 1000);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  stopped = true;
  for (const t of timers) clearTimeout(t);
  clearInterval(sampler);
  // let the last batches land
  await new Promise((r) => setTimeout(r, 1500));
  const end = await sample();
  stopSoak();
  if (soak && samples.length > 2) {
    const first = samples[1].rssBytes;
    const drift = ((end.rssBytes - first) / first) * 100;
    out(`soak: RSS after the first window ${mb(first)} MB, at the end ${mb(end.rssBytes)} MB: drift ${drift.toFixed(1)} % (${Math.abs(drift) <= 10 ? 'flat within 10 %' : 'NOT flat within 10 %'})`);
  }
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

/** The soak's hostile clients; returns their stop. */
async function startSoakClients(url: string, ready: Extract<ServerToHarness, { type: 'ready' }>, stopped: () => boolean): Promise<() => void> {
  // a feed client that never reads: the server must drop it (4008) without slowing anything else
  const paused = await open(`${url}/v1/feed`, ready.viewerToken, () => undefined);
  (paused as unknown as { _socket: { pause(): void } })._socket.pause();
  paused.on('error', () => undefined);
  // controller churn: sub-identities of one gateway token connect, say hello, take their plan and leave
  const signals = network.intersections.filter((x) => x.control === 'signalized').map((x) => x.id);
  let churnIndex = 0;
  const churn = setInterval(() => {
    if (stopped()) return;
    const id = signals[churnIndex++ % signals.length];
    const ws = new WebSocket(`${url}/v1/controllers`, { headers: { authorization: `Bearer ${ready.controllerToken}` }, perMessageDeflate: false });
    ws.on('error', () => undefined);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', controllerId: `bench-churn/${id}`, intersectionIds: [id] })));
    ws.on('message', (data) => {
      if (String(data).startsWith('{"type":"plan"')) ws.close();
    });
    setTimeout(() => ws.terminate(), 5000);
  }, 250);
  // a flood client: junk and well-formed messages as fast as its socket drains, far over the rate limits
  const flood = await open(`${url}/v1/detectors`, ready.floodToken, () => undefined);
  const junk = ['{"type":"count",', JSON.stringify({ type: 'batch', counts: Array(50).fill({ detectorId: 'nope', timestamp: 0, count: 1, intervalSeconds: 1 }) }), 'x'.repeat(2000)];
  let f = 0;
  const floodTimer = setInterval(() => {
    if (stopped()) return;
    while (flood.readyState === WebSocket.OPEN && flood.bufferedAmount < 1 << 20) flood.send(junk[f++ % junk.length]);
  }, 10);
  return () => {
    clearInterval(churn);
    clearInterval(floodTimer);
    paused.terminate();
    flood.terminate();
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
