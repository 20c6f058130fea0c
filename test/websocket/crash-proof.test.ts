import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mintToken } from '../../adapters/websocket/tokens.js';
import { formatInstant } from '../../engine/pipeline/format-instant.js';
import { runCli } from '../fixtures/run-cli.js';
import { countsFor, refusal, SECRET, serverPerTest, T0, token } from './ws-test-kit.js';

const fx = serverPerTest();
const good = { detectorId: 'IA1:E0:stop', count: 7, intervalSeconds: 60, occupancy: 0.1 };

describe('nothing a detector sends ends the process (issue 11, defect 1)', () => {
  it('timestamps -1e300 and -1e301 in one batch are rejected by name; the server and its other clients carry on', async () => {
    const s = await fx.start();
    const attacker = await fx.connect('/v1/detectors', token('detector', ['*'], 'attacker'));
    const bystander = await fx.connect('/v1/detectors', token('detector', ['*'], 'bystander'));
    attacker.send({ type: 'batch', id: 'b', counts: [{ ...good, timestamp: -1e300 }, { ...good, timestamp: -1e301 }] });
    const result = await attacker.nextOfType('result');
    expect(result).toMatchObject({ ref: 'b', accepted: 0, rejected: 2 });
    expect(result.errors[0]).toMatchObject({ code: 'GW_ERR_TIMESTAMP_PAST', field: 'counts[0].timestamp', value: -1e300, reason: expect.stringMatching(/behind the engine clock \(limit 86400 s\)/) });
    expect(result.errors[1]).toMatchObject({ code: 'GW_ERR_TIMESTAMP_PAST', field: 'counts[1].timestamp', value: -1e301 });
    bystander.send({ type: 'batch', id: 'ok', counts: countsFor(s.network, T0, () => 5) });
    expect(await bystander.nextOfType('result')).toMatchObject({ ref: 'ok', accepted: 40 });
    expect((await fetch(`${s.httpUrl}/health`)).status).toBe(200);
  });

  it('the timestamp window is configurable in both directions, and 1970 is refused by default', async () => {
    const s = await fx.start({ engine: { optimisationPeriodSeconds: 60, maxPastSkewSeconds: 120, maxFutureSkewSeconds: 5 } });
    const d = await fx.connect('/v1/detectors', token('detector'));
    const cases: Array<[number, string]> = [
      [T0 - 121_000, 'GW_ERR_TIMESTAMP_PAST'],
      [T0 + 6_000, 'GW_ERR_TIMESTAMP_FUTURE'],
      [0, 'GW_ERR_TIMESTAMP_PAST'],
      [1e300, 'GW_ERR_TIMESTAMP_FUTURE'],
    ];
    for (const [timestamp, code] of cases) {
      d.send({ type: 'count', ...good, timestamp });
      expect(await d.nextOfType('error'), String(timestamp)).toMatchObject({ code, field: 'timestamp' });
    }
    d.send({ type: 'count', id: 'in-window', ...good, timestamp: T0 - 119_000 });
    expect(await d.nextOfType('result')).toMatchObject({ ref: 'in-window', accepted: 1 });
    expect(s.server.metrics.get('greenwave_counts_rejected_total', { code: 'GW_ERR_TIMESTAMP_PAST' })).toBe(2);
  });

  it('an exception while ingesting one record rejects that record alone, counted, and the batch flows on', async () => {
    const s = await fx.start();
    const d = await fx.connect('/v1/detectors', token('detector'));
    const state = (s.server.core as any).detectors.get('IA1:E0:stop');
    state.add = () => {
      throw new TypeError('injected defect');
    };
    d.send({ type: 'batch', id: 'b', counts: countsFor(s.network, T0, () => 5) });
    const result = await d.nextOfType('result');
    expect(result).toMatchObject({ accepted: 39, rejected: 1 });
    expect(result.errors[0]).toMatchObject({ code: 'GW_ERR_INTERNAL', reason: expect.stringContaining('TypeError: injected defect') });
    expect(s.server.core!.counters.faults).toBe(1);
    expect(s.server.metrics.get('greenwave_counts_rejected_total', { code: 'GW_ERR_INTERNAL' })).toBe(1);
  });

  it('an exception while optimising a group skips that group for one interval; the engine keeps ticking', async () => {
    const s = await fx.start();
    const feed = await fx.connect('/v1/feed', token('viewer'));
    await feed.nextOfType('snapshot');
    const core = s.server.core as any;
    const original = core.optimiseGroup;
    let calls = 0;
    core.optimiseGroup = function (...args: unknown[]) {
      if (calls++ === 0) throw new RangeError('injected optimiser defect');
      return original.apply(this, args);
    };
    s.scheduler.advanceTo(T0 + 60_000);
    expect(s.server.metrics.get('greenwave_engine_faults_total', { stage: 'optimise' })).toBe(1);
    s.scheduler.advanceTo(T0 + 120_000);
    expect(await feed.nextOfType('stats')).toMatchObject({ counters: { optimisations: 1, faults: 1 } });
    expect(await feed.nextOfType('stats')).toMatchObject({ counters: { optimisations: 2 } });
  });

  it('a token whose exp is -1e300 is refused as expired; it does not crash the upgrade', async () => {
    const s = await fx.start();
    const tok = mintToken(SECRET, { sub: 'x', role: 'viewer', scope: ['*'], exp: -1e300 });
    const r = await refusal(`${s.wsUrl}/v1/feed`, { authorization: `Bearer ${tok}` });
    expect(r).toMatchObject({ status: 401, body: { error: { code: 'GW_AUTH_TOKEN_EXPIRED', reason: expect.stringContaining('not a representable date') } } });
    expect((await fetch(`${s.httpUrl}/health`)).status).toBe(200);
  });

  it('formatInstant never throws', () => {
    expect(formatInstant(T0)).toBe('2026-11-23T08:00:00.000Z');
    for (const t of [-1e300, 1e301, Number.NaN, Infinity, 8.64e15 + 1]) expect(formatInstant(t)).toContain('not a representable date');
  });
});

describe('greenwave plan on the same records (issue 11, defect 1)', () => {
  it('rejects them by line and goes on to plan the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-crash-'));
    const file = join(dir, 'counts.ndjson');
    const lines = [
      { ...good, timestamp: -1e300 },
      { ...good, timestamp: -1e301 },
      ...[1, 2, 3].map((i) => ({ ...good, timestamp: T0 + i * 60_000 })),
    ].map((r) => JSON.stringify(r));
    writeFileSync(file, lines.join('\n'));
    const r = runCli(['plan', '--network', 'demo:grid', '--counts', file]);
    expect(r.stderr).toContain(':1: GW_ERR_TIMESTAMP_PAST timestamp = -1e+300');
    expect(r.stderr).toContain(':2: GW_ERR_TIMESTAMP_PAST timestamp = -1e+301');
    expect(r.stderr).toContain('3 counts accepted, 2 rejected');
    expect(r.status).toBe(1);
  });
});
