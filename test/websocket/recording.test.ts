import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordServerEvents } from '../../adapters/recording/record-server-events.js';
import { DayFileWriter } from '../../adapters/files/index.js';
import { readLines } from '../../adapters/files/index.js';
import { countsFor, startServer, T0, TestClient, token } from './ws-test-kit.js';

describe('recording the live server into day files', () => {
  const closers: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  it('records counts as received (rejects too), plans, acknowledgements and faults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-rec-'));
    const s = await startServer();
    closers.push(() => s.server.close());
    const writer = new DayFileWriter({ directory: dir, timeZone: 'UTC', scheduler: s.scheduler, flushIntervalMs: 1000 });
    recordServerEvents(s.server, writer);
    const controller = await TestClient.connect(`${s.wsUrl}/v1/controllers`, token('controller'));
    closers.push(() => controller.close());
    controller.send({ type: 'hello' });
    await controller.nextOfType('welcome');
    const detectors = await TestClient.connect(`${s.wsUrl}/v1/detectors`, token('detector'));
    closers.push(() => detectors.close());

    const counts = countsFor(s.network, T0 + 60_000, () => 5);
    detectors.send({ type: 'batch', id: 'b1', counts: [...counts, { detectorId: 'nope', timestamp: T0 + 60_000, count: 1, intervalSeconds: 60 }] });
    await detectors.next((m) => m.type === 'result' && m.ref === 'b1');
    // the first planning instant waits for the counts that end on it: with no later count, the server's clock
    // fires it once it is two count intervals past it
    s.scheduler.advanceTo(T0 + 180_000);
    const plan = await controller.nextOfType('plan');
    controller.send({ type: 'ack', intersectionId: plan.plan.intersectionId, version: plan.plan.version, status: 'accepted' });
    await new Promise((r) => setTimeout(r, 100));
    writer.close();

    const files = readdirSync(dir);
    expect(files).toEqual(['greenwave-2026-11-23.ndjson.gz']);
    const records: Array<{ kind: string; [k: string]: unknown }> = [];
    for await (const [, line] of readLines(join(dir, files[0]))) records.push(JSON.parse(line));
    const kinds = (k: string) => records.filter((r) => r.kind === k);
    expect(kinds('count')).toHaveLength(counts.length + 1);
    expect(kinds('count').some((r) => (r.record as { detectorId: string }).detectorId === 'nope')).toBe(true);
    expect(kinds('plan').length).toBeGreaterThanOrEqual(s.network.intersections.length);
    expect(kinds('ack')).toEqual([expect.objectContaining({ intersectionId: plan.plan.intersectionId, version: plan.plan.version, accepted: true })]);
  });
});
