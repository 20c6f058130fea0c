import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TraciConnection } from '../../adapters/sumo/traci/traci-connection.js';
import { StepResultCache } from '../../adapters/sumo/traci/step-result-cache.js';
import { TraciReader, TraciWriter } from '../../adapters/sumo/traci/traci-storage.js';
import { CMD, VAR } from '../../adapters/sumo/traci/traci-constants.js';
import { DetectorCounter } from '../../adapters/sumo/control/detector-counter.js';
import type { InductionLoopStep } from '../../adapters/sumo/traci/domains/induction-loop-domain.js';

/** A TraCI answer: 4-byte total length, then the body. */
const frame = (body: Buffer) => {
  const head = Buffer.alloc(4);
  head.writeInt32BE(body.length + 4, 0);
  return Buffer.concat([head, body]);
};

/** A fake SUMO on 127.0.0.1: answers each request with what `answer` returns, written in the given pieces. */
async function fakeSumo(answer: (requestIndex: number) => Buffer[] | null): Promise<{ server: Server; port: number }> {
  let n = 0;
  const server = createServer((socket: Socket) => {
    let pending = Buffer.alloc(0);
    // like SUMO, one message after the other: an answer is written in full before the next one starts
    let writing = Promise.resolve();
    socket.on('data', (d) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 4 && pending.length >= pending.readInt32BE(0)) {
        pending = pending.subarray(pending.readInt32BE(0));
        const pieces = answer(n++) ?? [];
        // pieces written on separate ticks, so they reach the client as separate reads
        writing = writing.then(async () => {
          for (const p of pieces) {
            socket.write(p);
            await new Promise((r) => setTimeout(r, 5));
          }
        });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

describe('TraCI connection over a real socket', () => {
  let server: Server | undefined;
  let conn: TraciConnection | undefined;
  afterEach(async () => {
    conn?.destroy();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
  });

  it('assembles an answer split across reads, one longer than the read buffer, and keeps answers in order', async () => {
    const big = Buffer.alloc(200_000, 7);
    big[0] = 1;
    const small = Buffer.from([2, 3, 4]);
    ({ server } = await fakeSumo((i) => {
      if (i === 0) {
        const f = frame(big);
        return [f.subarray(0, 3), f.subarray(3, 70_000), f.subarray(70_000)];
      }
      return [frame(small)];
    }));
    conn = await TraciConnection.connect({ port: (server.address() as { port: number }).port });
    const [a, b] = await Promise.all([conn.request([Buffer.from([2, 0])]), conn.request([Buffer.from([2, 0])])]);
    expect(a.remaining).toBe(big.length);
    expect(a.bytes.equals(big)).toBe(true);
    expect(b.bytes.equals(small)).toBe(true);
  });

  it('an answer is a copy: later reads do not change a reader already handed out', async () => {
    ({ server } = await fakeSumo((i) => [frame(Buffer.from([i, i, i]))]));
    conn = await TraciConnection.connect({ port: (server.address() as { port: number }).port });
    const first = await conn.request([Buffer.from([2, 0])]);
    await conn.request([Buffer.from([2, 0])]);
    expect([...first.bytes]).toEqual([0, 0, 0]);
  });

  it('a SUMO that does not answer fails the request with a fatal timeout, and every later request too', async () => {
    ({ server } = await fakeSumo(() => null));
    conn = await TraciConnection.connect({ port: (server.address() as { port: number }).port, requestTimeoutMs: 60 });
    const err = await conn.request([Buffer.from([2, 0])]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GW_ERR_TRACI_TIMEOUT', fatal: true });
    await expect(conn.request([Buffer.from([2, 0])])).rejects.toMatchObject({ code: 'GW_ERR_TRACI_TIMEOUT' });
    expect(conn.closed).toBe(true);
  });

  it('an impossible answer length is a fatal protocol error, not a stall', async () => {
    ({ server } = await fakeSumo(() => [Buffer.from([0, 0, 0, 1])]));
    conn = await TraciConnection.connect({ port: (server.address() as { port: number }).port });
    await expect(conn.request([Buffer.from([2, 0])])).rejects.toMatchObject({ code: 'GW_ERR_TRACI_PROTOCOL', fatal: true });
  });
});

/** A loop's subscription result as SUMO frames it: vehicle ids and occupancy (percent). */
const loopResult = (id: string, vehicles: string[], occupancyPercent: number) => {
  const body = new TraciWriter().ubyte(CMD.RESPONSE_SUBSCRIBE_INDUCTIONLOOP_VARIABLE).string(id).ubyte(2)
    .ubyte(VAR.LAST_STEP_VEHICLE_ID_LIST).ubyte(0).typedStringList(vehicles)
    .ubyte(VAR.LAST_STEP_OCCUPANCY).ubyte(0).typedDouble(occupancyPercent)
    .toBuffer();
  return Buffer.concat([Buffer.from([body.length + 1]), body]);
};
const stepAnswer = (results: Buffer[]) => new TraciReader(Buffer.concat([new TraciWriter().int(results.length).toBuffer(), ...results]));

describe('step results decoded only when they change', () => {
  it('keeps the object of an unchanged result, decodes a changed one, and follows a change in the number of results', () => {
    const cache = new StepResultCache();
    const first = cache.read(stepAnswer([loopResult('a', [], 0), loopResult('b', ['v1'], 40)]));
    expect(first.changed).toHaveLength(2);
    const second = cache.read(stepAnswer([loopResult('a', [], 0), loopResult('b', ['v1'], 55)]));
    expect(second.results[0]).toBe(first.results[0]);
    expect(second.changed.map((r) => r.objectId)).toEqual(['b']);
    expect(second.results[1].values.get(VAR.LAST_STEP_OCCUPANCY)).toBe(55);
    const third = cache.read(stepAnswer([loopResult('a', [], 0)]));
    expect(third.results).toHaveLength(1);
    expect(third.changed).toHaveLength(0);
    const fourth = cache.read(stepAnswer([loopResult('a', [], 0), loopResult('b', ['v1'], 55)]));
    expect(fourth.changed.map((r) => r.objectId)).toEqual(['b']);
  });

  it('decodes exactly what a fresh decode of every step gives (fast-check)', () => {
    const reading = fc.record({ vehicles: fc.array(fc.constantFrom('v1', 'v2', 'v3'), { maxLength: 2 }), occ: fc.constantFrom(0, 12.5, 100) });
    fc.assert(
      fc.property(fc.array(fc.array(reading, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }), (steps) => {
        const cache = new StepResultCache();
        for (const step of steps) {
          const buffers = step.map((r, i) => loopResult(`d${i}`, r.vehicles, r.occ));
          const fresh = new StepResultCache().read(stepAnswer(buffers)).results;
          const cached = cache.read(stepAnswer(buffers)).results;
          expect(cached.map((r) => [r.objectId, [...r.values]])).toEqual(fresh.map((r) => [r.objectId, [...r.values]]));
        }
      }),
    );
  });

  it('a loop counter fed readings reused while unchanged counts exactly as one fed a new copy every step (fast-check)', () => {
    const step = fc.array(fc.record({ vehicles: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 3 }), occupancy: fc.constantFrom(0, 0.25, 1), same: fc.boolean() }), { minLength: 2, maxLength: 2 });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        const ids = ['L0', 'L1'];
        const reused = new DetectorCounter(ids);
        const copied = new DetectorCounter(ids);
        const last: Array<InductionLoopStep | undefined> = [undefined, undefined];
        steps.forEach((s, k) => {
          // 'same' repeats the loop's previous reading (the client hands out the same object then)
          const readings = s.map((r, i) => (r.same && last[i] ? last[i]! : { vehicleIds: r.vehicles, occupancy: r.occupancy }));
          readings.forEach((r, i) => (last[i] = r));
          reused.addStep((id) => readings[ids.indexOf(id)]);
          copied.addStep((id) => ({ ...readings[ids.indexOf(id)], vehicleIds: [...readings[ids.indexOf(id)].vehicleIds] }));
          for (const id of ids) {
            expect(reused.lastStepCount(id)).toBe(copied.lastStepCount(id));
            expect(reused.total(id)).toBe(copied.total(id));
          }
          if (k % 5 === 4) expect(reused.flush(k, 5)).toEqual(copied.flush(k, 5));
        });
      }),
    );
  });
});
