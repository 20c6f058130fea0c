/**
 * Child process of the load harness: runs either the Greenwave server or a bare ws server that receives the
 * same messages and does nothing with them, and answers the harness over IPC (ready, sample, stop).
 * Usage (the harness spawns it): tsx bench/load/load-server.ts greenwave|bare <network.json> <periodSeconds>
 */
import { readFileSync } from 'node:fs';
import { WebSocketServer } from 'ws';
import { createGreenwaveServer, mintToken, randomSecret } from '../../adapters/websocket/index.js';
import type { NetworkFile } from '../../network-models/index.js';

export type ServerToHarness =
  | { type: 'ready'; port: number; detectorToken: string; viewerToken: string; controllerToken: string; floodToken: string }
  | { type: 'sample'; atMs: number; rssBytes: number; heapUsedBytes: number; cpuMicros: number; countsAccepted: number; countsRejected: number; messages: number; lagP99Seconds: number };
export type HarnessToServer = { type: 'sample' } | { type: 'stop' };

const [mode, networkPath, periodText] = process.argv.slice(2);
const secret = randomSecret();
const send = (m: ServerToHarness) => process.send!(m);

if (mode === 'greenwave') {
  const network = JSON.parse(readFileSync(networkPath, 'utf8')) as NetworkFile;
  const server = createGreenwaveServer({
    network,
    secret,
    port: 0,
    engine: { optimisationPeriodSeconds: Number(periodText) },
    limits: { maxClients: 10_000, maxMessagesPerSecond: 1000, maxConnectionsPerToken: 10_000 },
  });
  const address = await server.listen();
  send({
    type: 'ready',
    port: address.port,
    detectorToken: mintToken(secret, { sub: 'bench', role: 'detector', scope: ['*'] }),
    viewerToken: mintToken(secret, { sub: 'bench', role: 'viewer', scope: ['*'] }),
    // soak: one gateway token whose sub-identities (bench-churn/<intersection>) connect and leave
    controllerToken: mintToken(secret, { sub: 'bench-churn', role: 'controller', scope: ['*'] }),
    floodToken: mintToken(secret, { sub: 'bench-flood', role: 'detector', scope: ['*'] }),
  });
  process.on('message', async (m: HarnessToServer) => {
    if (m.type === 'sample') {
      const c = server.core!.counters;
      send({ type: 'sample', ...usage(), countsAccepted: c.countsAccepted, countsRejected: c.countsRejected, messages: server.metrics.get('greenwave_messages_received_total', { endpoint: 'detectors' }), lagP99Seconds: server.metrics.lagSeconds(0.99) });
    } else {
      await server.close();
      process.exit(0);
    }
  });
} else {
  // The baseline: same sockets, same frames, no parsing, no engine.
  let messages = 0;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1 << 20, perMessageDeflate: false });
  wss.on('connection', (ws) => ws.on('message', () => messages++));
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as { port: number }).port;
  send({ type: 'ready', port, detectorToken: 'unused', viewerToken: 'unused', controllerToken: 'unused', floodToken: 'unused' });
  process.on('message', (m: HarnessToServer) => {
    if (m.type === 'sample') send({ type: 'sample', ...usage(), countsAccepted: 0, countsRejected: 0, messages, lagP99Seconds: 0 });
    else {
      for (const c of wss.clients) c.terminate();
      wss.close(() => process.exit(0));
    }
  });
}

function usage() {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return { atMs: Date.now(), rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, cpuMicros: cpu.user + cpu.system };
}
