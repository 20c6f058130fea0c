import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FUZZ_MS = 4000;
let child: ChildProcess;
let target: { port: number; tokens: Record<string, string>; bystander: string };

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/fuzz-target-server.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fuzz target exited ${code}`)));
  });
  target = JSON.parse(line);
}, 30_000);

afterAll(() => {
  child?.kill('SIGKILL');
});

const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
const http = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${target.port}${path}`, { ...init, signal: AbortSignal.timeout(2000) });

/** What a hostile or broken client might send as one frame. */
const frame: fc.Arbitrary<{ data: string | Buffer; binary: boolean }> = fc.oneof(
  extremeCounts(),
  extremeCounts(),
  fc.json().map((j) => ({ data: j, binary: false })),
  fc.anything({ maxDepth: 4 }).map((v) => ({ data: safeStringify(v), binary: false })),
  fc.string({ maxLength: 200 }).map((s) => ({ data: s, binary: false })),
  fc.uint8Array({ maxLength: 300 }).map((b) => ({ data: Buffer.from(b), binary: true })),
  fc.uint8Array({ minLength: 1, maxLength: 50 }).map((b) => ({ data: Buffer.concat([Buffer.from([0xc3, 0x28]), Buffer.from(b)]), binary: false })), // invalid UTF-8 text
  fc.integer({ min: 1, max: 100_000 }).map((n) => ({ data: `${'['.repeat(n)}${']'.repeat(n)}`, binary: false })), // deep nesting
  fc.integer({ min: 1, max: 400_000 }).map((n) => ({ data: JSON.stringify({ type: 'count', detectorId: 'x'.repeat(n) }), binary: false })), // huge strings
  fc
    .record({ type: fc.constantFrom('hello', 'ack'), controllerId: fc.string(), intersectionIds: fc.anything(), intersectionId: fc.string(), version: fc.double(), status: fc.string(), runningVersions: fc.anything() }, { requiredKeys: ['type'] })
    .map((m) => ({ data: safeStringify(m), binary: false })),
);

/** Count messages of the right shape with extreme numbers and wrong types (the -1e300 / -1e301 batch included). */
function extremeCounts(): fc.Arbitrary<{ data: string; binary: boolean }> {
  return fc
    .record({
      detectorId: fc.oneof(fc.constantFrom('IA1:E0:stop', 'IA2:W0:adv'), fc.string()),
      timestamp: fc.oneof(fc.double(), fc.constantFrom(-1e300, -1e301, 1e300, -8.64e15 - 1, 0), fc.string(), fc.object()),
      count: fc.oneof({ arbitrary: fc.nat(3), weight: 3 }, fc.double(), fc.integer(), fc.string()),
      intervalSeconds: fc.oneof({ arbitrary: fc.constant(60), weight: 3 }, fc.double()),
      occupancy: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, fc.double()),
    })
    .chain((r) => fc.constantFrom({ type: 'count', ...r }, { type: 'batch', counts: [r, r, { ...r, timestamp: -1e301 }] }))
    .map((m) => ({ data: safeStringify(m), binary: false }));
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return String(v);
  }
}

function open(path: string, token: string): Promise<WebSocket> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${target.port}${path}`, { headers: { authorization: `Bearer ${token}` } });
    ws.on('error', () => undefined);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', () => resolve(ws));
  });
}

describe('fuzzing a real server process (issue 11, item 8)', () => {
  it(
    'arbitrary frames on every endpoint for a few seconds: the process lives, /health answers, memory stays bounded, bystanders are served',
    async () => {
      const rssBefore = rssMb();
      // bystanders: a detector with valid counts (answered with results) and a viewer
      const bystander = await open('/v1/detectors', target.bystander);
      const results: unknown[] = [];
      bystander.on('message', (d) => {
        const m = JSON.parse(d.toString());
        if (m.type === 'result' && m.accepted === 1) results.push(m);
      });
      const viewer = await open('/v1/feed', target.tokens.viewer);
      let feedMessages = 0;
      viewer.on('message', () => feedMessages++);
      let sent = 0;
      const timer = setInterval(() => bystander.send(JSON.stringify({ type: 'count', id: `ok${sent}`, detectorId: 'IA1:E0:stop', timestamp: Date.now() - 1000 + sent++, count: 1, intervalSeconds: 1 })), 100);

      const endpoints = ['/v1/detectors', '/v1/controllers', '/v1/feed'] as const;
      const roleOf = { '/v1/detectors': 'detector', '/v1/controllers': 'controller', '/v1/feed': 'viewer' } as const;
      const sockets = new Map<string, WebSocket>();
      const socket = async (path: (typeof endpoints)[number]) => {
        let ws = sockets.get(path);
        if (!ws || ws.readyState !== WebSocket.OPEN) {
          ws = await open(path, target.tokens[roleOf[path]]);
          sockets.set(path, ws);
        }
        return ws;
      };
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(fc.oneof({ arbitrary: fc.constantFrom(...endpoints), weight: 6 }, { arbitrary: fc.constant('/v1/operator' as const), weight: 1 }), fc.array(frame, { minLength: 1, maxLength: 8 }), async (where, frames) => {
          if (where === '/v1/operator') {
            for (const f of frames) await http(where, { method: 'POST', headers: { authorization: `Bearer ${target.tokens.operator}` }, body: f.data.toString() }).then((r) => r.arrayBuffer(), () => undefined);
          } else {
            const ws = await socket(where);
            for (const f of frames) if (ws.readyState === WebSocket.OPEN) ws.send(f.data, { binary: f.binary });
          }
          await new Promise((r) => setImmediate(r));
          expect(child.exitCode).toBeNull();
        }),
        { numRuns: 1_000_000, interruptAfterTimeLimit: FUZZ_MS, seed: 11 },
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(FUZZ_MS - 500);

      const health = await http('/health');
      expect(health.status).toBe(200);
      expect(((await health.json()) as { status: string }).status).toBe('ok');
      const okBefore = results.length;
      await expect.poll(() => results.length, { timeout: 3000 }).toBeGreaterThan(okBefore);
      clearInterval(timer);
      expect(results.length).toBeGreaterThan(10);
      expect(feedMessages).toBeGreaterThan(0);
      expect(viewer.readyState).toBe(WebSocket.OPEN);
      expect(child.exitCode).toBeNull();
      expect(rssMb() - rssBefore).toBeLessThan(300);
      const metrics = await (await http('/metrics')).text();
      expect(metrics).toMatch(/greenwave_messages_rejected_total\{code="GW_PROTO_MALFORMED_JSON"\} [1-9]/);
      expect(metrics).not.toMatch(/greenwave_handler_faults_total\{/);
      if (process.env.GW_FUZZ_REPORT) console.log(metrics.split("\n").filter((l) => /^greenwave_(messages_received|messages_rejected|clients_dropped|counts_rejected|handler_faults|operator_actions)/.test(l)).join("\n"), `\nrss ${rssBefore.toFixed(0)} -> ${rssMb().toFixed(0)} MB`);
      for (const ws of [...sockets.values(), bystander, viewer]) ws.terminate();
    },
    30_000,
  );
});
