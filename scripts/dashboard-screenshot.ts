// The dashboard screenshots kept in docs/, taken from the real dashboard: `npm run build`, then
//   npx tsx scripts/dashboard-screenshot.ts                 -> docs/dashboard.png (the demo city)
//   npx tsx scripts/dashboard-screenshot.ts grid1000        -> docs/dashboard-1000.png (a generated 1,000-signal grid)
//   npx tsx scripts/dashboard-screenshot.ts [grid1000] --out <file.png>
// Runs the live server with the built dashboard (dist/web) on a virtual engine clock, feeds it synthetic detector
// counts over real sockets on 127.0.0.1 (one detector falls silent, one controller cabinet goes offline, so the
// alarms and badges show), and photographs the page in headless Chromium (Debian's /usr/bin/chromium, UTC).
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { WebSocket } from 'ws';
import { serveStaticFiles } from '../adapters/http/index.js';
import { createGreenwaveServer, mintToken, randomSecret } from '../adapters/websocket/index.js';
import { VirtualClockScheduler } from '../engine/index.js';
import { buildGridNetwork, gridCityNetwork, SyntheticDemand } from '../network-models/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const big = args.includes('grid1000');
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? resolve(args[outAt + 1] ?? '') : join(root, 'docs', big ? 'dashboard-1000.png' : 'dashboard.png');
const webDir = join(root, 'dist', 'web');
if (!existsSync(join(webDir, 'index.html'))) throw new Error(`${webDir}/index.html not found: run npm run build first`);

const network = big
  ? buildGridNetwork({ name: 'Generated city: 40 x 25 signals', columns: 40, rows: 25, spacingMetres: 200, mainStreetRows: [4, 12, 20], speedMetresPerSecond: 13.9, sideSpeedMetresPerSecond: 11.1, boundaryLinkMetres: 200, advanceDetectorMetres: 60, timeZone: 'UTC' })
  : gridCityNetwork();
const signals = network.intersections.filter((x) => x.control === 'signalized').map((x) => x.id);
const secret = randomSecret();
const start = Date.UTC(2026, 10, 23, 7, 0);
const scheduler = new VirtualClockScheduler(start);
// two cabinets stand for every controller and one connection for every detector here, on a clock that runs a
// minute at once: at 1,000 signals a cabinet acknowledges 500 plans and the detectors send 17,000 counts together
const server = createGreenwaveServer({ network, secret, port: 0, host: '127.0.0.1', scheduler, engine: { optimisationPeriodSeconds: 60 }, limits: { maxMessagesPerSecond: 5000, maxRecordsPerSecond: 100_000 }, httpFallback: serveStaticFiles(webDir) });
const address = await server.listen();
const connect = async (path: string, role: 'detector' | 'controller', sub: string) => {
  const ws = new WebSocket(`${address.wsUrl}${path}`, { headers: { authorization: `Bearer ${mintToken(secret, { sub, role, scope: ['*'] })}` } });
  await once(ws, 'open');
  // the server says why it refuses a message: the picture would show a broken feed
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { type: string };
    if (m.type === 'error') throw new Error(`${sub}: the server refused a message: ${String(data)}`);
  });
  return ws;
};
const half = Math.ceil(signals.length / 2);
const north = await connect('/v1/controllers', 'controller', 'cabinet-north');
north.send(JSON.stringify({ type: 'hello', intersectionIds: signals.slice(0, half) }));
north.on('message', (data) => {
  const m = JSON.parse(String(data)) as { type: string; plan?: { intersectionId: string; version: number } };
  if (m.type === 'plan') north.send(JSON.stringify({ type: 'ack', intersectionId: m.plan!.intersectionId, version: m.plan!.version, status: 'accepted' }));
});
const south = await connect('/v1/controllers', 'controller', 'cabinet-south');
south.send(JSON.stringify({ type: 'hello', intersectionIds: signals.slice(half) }));
const detectors = await connect('/v1/detectors', 'detector', 'loops');
const demand = new SyntheticDemand(network, { seed: 3, scale: 1.3 });
/**
 * A minute's counts in batches of at most 500 (the server's frame and batch limits), then the engine's clock to the
 * minute's end; resolves when the server has answered every batch.
 */
const sendMinute = async (minute: number, silent: string | undefined) => {
  const end = start + minute * 60_000;
  const counts = demand.countsAt(end, 60).filter((c) => c.detectorId !== silent);
  const ids = new Set<string>();
  for (let i = 0; i < counts.length; i += 500) {
    ids.add(`m${minute}-${i}`);
    detectors.send(JSON.stringify({ type: 'batch', id: `m${minute}-${i}`, counts: counts.slice(i, i + 500) }));
  }
  await new Promise<void>((resolve) => {
    const onMessage = (data: unknown) => {
      const m = JSON.parse(String(data)) as { type: string; ref?: string };
      if (m.type === 'result' && ids.delete(m.ref ?? '') && ids.size === 0) {
        detectors.off('message', onMessage);
        resolve();
      }
    };
    detectors.on('message', onMessage);
  });
  // in steps shorter than the server's heartbeat, each followed by a moment of real time for the sockets' pongs: a
  // minute at once would pass two heartbeats without them, and the server would drop every connection
  for (let t = scheduler.now() + HEARTBEAT_STEP_MS; t < end; t += HEARTBEAT_STEP_MS) {
    scheduler.advanceTo(t);
    await new Promise((r) => setTimeout(r, 5));
  }
  scheduler.advanceTo(end);
};
const HEARTBEAT_STEP_MS = 10_000;
const silent = network.detectors[5].id;
for (let minute = 1; minute <= 50; minute++) {
  await sendMinute(minute, minute > 20 ? silent : undefined);
  if (minute === 40) south.close();
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
try {
  const context = await browser.newContext({ viewport: { width: 1500, height: 1100 }, timezoneId: 'UTC', locale: 'en-GB' });
  const page = await context.newPage();
  const viewer = mintToken(secret, { sub: 'ops', role: 'viewer', scope: ['*'] });
  await page.goto(`${address.httpUrl}/?token=${viewer}&intersection=${signals[Math.floor(signals.length / 3)]}`);
  await page.waitForSelector('[data-testid=connection]:text-is("live")');
  for (let minute = 51; minute <= 56; minute++) await sendMinute(minute, silent);
  // the last minute's KPIs on the page and the map drawn with them
  const lastMinute = new Intl.DateTimeFormat('en-GB', { timeZone: network.timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(start + 56 * 60_000);
  await page.waitForFunction((t) => document.querySelector('[data-testid=clock-engine] .t')?.textContent === t, lastMinute, { timeout: 15_000 });
  await page.waitForSelector('[data-intersection-id]');
  await page.waitForTimeout(300);
  await page.screenshot({ path: out, fullPage: true });
  process.stdout.write(`${out}: ${network.name}, ${signals.length} signals\n`);
} finally {
  await browser.close();
  for (const ws of [north, detectors]) ws.close();
  await server.close();
}
