import { describe, expect, it } from 'vitest';
import { countsFor, startServer, T0, TestClient, token, serverPerTest } from './ws-test-kit.js';

const fx = serverPerTest();
let s: Awaited<ReturnType<typeof startServer>> | undefined;
const connect = fx.connect;

const good = { type: 'count', detectorId: 'IA1:E0:stop', timestamp: T0, count: 7, intervalSeconds: 60, occupancy: 0.1 };

describe('bad input over the detector socket', () => {
  it('each kind of bad input gets an error naming the field and the reason, and is counted', async () => {
    s = await fx.start({ limits: { maxMessageBytes: 4096, maxFrameBytes: 8192, maxBatchRecords: 10 } });
    const bad = await connect('/v1/detectors', token('detector', ['*'], 'bad'));
    const cases: Array<[unknown, Record<string, unknown>]> = [
      ['{"type":"count",', { code: 'GW_PROTO_MALFORMED_JSON', field: '(message)' }],
      [{ type: 'counts', counts: [] }, { code: 'GW_PROTO_INVALID_MESSAGE', field: 'type' }],
      [{ type: 'batch', counts: 'many' }, { code: 'GW_PROTO_INVALID_MESSAGE', field: 'counts', value: 'many' }],
      [{ ...good, id: 'wrong-type', count: '7' }, { code: 'GW_ERR_COUNT_FIELD', field: 'count', value: '7', ref: 'wrong-type' }],
      [{ ...good, count: -3 }, { code: 'GW_ERR_COUNT_FIELD', field: 'count', value: -3, reason: 'must be a whole number >= 0' }],
      [{ ...good, count: 500 }, { code: 'GW_ERR_COUNT_IMPOSSIBLE', field: 'count', reason: expect.stringMatching(/30000 veh\/h, above the limit/) }],
      [{ ...good, occupancy: 1.5 }, { code: 'GW_ERR_COUNT_FIELD', field: 'occupancy' }],
      [{ ...good, timestamp: T0 + 3_600_000 }, { code: 'GW_ERR_TIMESTAMP_FUTURE', field: 'timestamp', reason: expect.stringMatching(/3600 s ahead/) }],
      [{ ...good, detectorId: 'IA7:X:stop' }, { code: 'GW_ERR_UNKNOWN_DETECTOR', field: 'detectorId', value: 'IA7:X:stop' }],
      [{ ...good, timestamp: 'yesterday' }, { code: 'GW_ERR_COUNT_FIELD', field: 'timestamp' }],
      [{ type: 'batch', counts: [good, { ...good, detectorId: 'IA1:E0:adv', count: -1 }] }, { code: 'GW_ERR_COUNT_FIELD', field: 'counts[1].count', index: 1 }],
      [{ type: 'batch', id: 'b', counts: Array(11).fill(good) }, { code: 'GW_PROTO_BATCH_TOO_LARGE', field: 'counts', ref: 'b' }],
      [{ ...good, detectorId: 'x'.repeat(5000) }, { code: 'GW_PROTO_MESSAGE_TOO_LARGE', field: '(message)' }],
      // the good count inside the batch above was accepted, so the same timestamp now goes backwards
      [good, { code: 'GW_ERR_TIMESTAMP_BACKWARDS', field: 'timestamp' }],
    ];
    for (const [message, expected] of cases) {
      bad.send(message);
      // a message with an id is answered with a result that carries the errors, otherwise with the error itself
      const reply = await bad.next((r) => r.type === 'error' || r.type === 'result');
      expect(reply.type === 'result' ? reply.errors[0] : reply, JSON.stringify(message).slice(0, 80)).toMatchObject(expected);
    }
    const m = s.server.metrics;
    expect(m.get('greenwave_messages_rejected_total', { code: 'GW_PROTO_MALFORMED_JSON' })).toBe(1);
    expect(m.get('greenwave_messages_rejected_total', { code: 'GW_PROTO_INVALID_MESSAGE' })).toBe(2);
    expect(m.get('greenwave_messages_rejected_total', { code: 'GW_PROTO_MESSAGE_TOO_LARGE' })).toBe(1);
    expect(m.get('greenwave_counts_rejected_total', { code: 'GW_ERR_COUNT_FIELD' })).toBe(5);
    expect(m.get('greenwave_counts_rejected_total', { code: 'GW_ERR_TIMESTAMP_BACKWARDS' })).toBe(1);
    expect(s.server.core!.counters).toMatchObject({ countsAccepted: 1, countsRejected: 9 });

    // a frame above maxFrameBytes is fatal: the WebSocket layer closes with 1009
    bad.send({ ...good, detectorId: 'x'.repeat(10_000) });
    expect((await bad.closedWith()).code).toBe(1009);
  });

  it('bad input never disturbs other clients or the pipeline', async () => {
    s = await fx.start();
    const bad = await connect('/v1/detectors', token('detector', ['*'], 'bad'));
    const goodDetector = await connect('/v1/detectors', token('detector', ['*'], 'good'));
    const feed = await connect('/v1/feed', token('viewer'));
    await feed.nextOfType('snapshot');
    for (let i = 0; i < 200; i++) bad.send(i % 2 ? '\u0000garbage' : { type: 'batch', counts: [null, 7, { detectorId: 3 }] });
    goodDetector.send({ type: 'batch', id: 'ok', counts: countsFor(s.network, T0, () => 5) });
    expect(await goodDetector.nextOfType('result')).toMatchObject({ ref: 'ok', accepted: 40, rejected: 0 });
    // no later count moves the engine clock: the server's clock does, two 60-s count intervals behind
    s.scheduler.advanceTo(T0 + 180_000);
    expect(await feed.nextOfType('stats')).toMatchObject({ counters: { countsAccepted: 40 } });
    // errors to the noisy client are capped per second, the rest only counted
    await expect.poll(() => s!.server.metrics.get('greenwave_errors_suppressed_total')).toBeGreaterThan(0);
    expect(bad.ws.readyState).toBe(bad.ws.OPEN);
  });

  it('rate-limits a client that sends too many messages, without closing it', async () => {
    s = await fx.start({ limits: { maxMessagesPerSecond: 5 } });
    const chatty = await connect('/v1/detectors', token('detector'));
    for (let i = 1; i <= 8; i++) chatty.send({ ...good, timestamp: T0 - 60_000 + i * 1000, intervalSeconds: 1, count: 0, id: `c${i}` });
    expect(await chatty.nextOfType('error')).toMatchObject({ code: 'GW_PROTO_RATE_LIMITED' });
    const results = chatty.messages.filter((x) => x.type === 'result');
    expect(results.length).toBeGreaterThanOrEqual(5);
    expect(results.length).toBeLessThan(8);
  });
});

describe('bad input over the controller socket', () => {
  it('names the field of a malformed hello or ack', async () => {
    s = await fx.start();
    const controller = await connect('/v1/controllers', token('controller'));
    controller.send({ type: 'hello', intersectionIds: 'IA1' });
    expect(await controller.nextOfType('error')).toMatchObject({ code: 'GW_PROTO_INVALID_MESSAGE', field: 'intersectionIds' });
    controller.send({ type: 'hello', runningVersions: { IA1: -1 } });
    expect(await controller.nextOfType('error')).toMatchObject({ code: 'GW_PROTO_INVALID_MESSAGE', field: 'runningVersions.IA1' });
    controller.send({ type: 'hello' });
    await controller.nextOfType('welcome');
    controller.send({ type: 'ack', intersectionId: 'IA1', version: 0, status: 'rejected' });
    expect(await controller.nextOfType('error')).toMatchObject({ code: 'GW_PROTO_INVALID_MESSAGE', field: 'reason', reason: 'a rejection needs a reason' });
    controller.send({ type: 'ack', intersectionId: 'IA1', version: 42, status: 'accepted' });
    expect(await controller.nextOfType('error')).toMatchObject({ code: 'GW_PROTO_UNKNOWN_PLAN', field: 'version', value: 42 });
  });
});
