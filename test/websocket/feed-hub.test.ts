import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { createFeedHub } from '../../adapters/websocket/feed-hub.js';

/** A socket stand-in: its peer reads everything at once, unless the test sets `bufferedAmount` by hand. */
function fakeSocket() {
  const sent: string[] = [];
  const ws = {
    bufferedAmount: 0,
    send(data: Buffer) {
      sent.push(data.toString());
    },
  };
  return { ws: ws as unknown as WebSocket & { bufferedAmount: number }, sent, raw: ws };
}

describe('feed hub', () => {
  const limits = { feedHighWaterBytes: 100, feedMaxBufferedBytes: 1000, feedStallTimeoutMs: 1000, feedFlushIntervalMs: 60_000 };

  it('holds deltas back once the socket is above the high-water mark, keeping the latest value per key', () => {
    let conflated = 0;
    const hub = createFeedHub({ limits, onConflated: () => conflated++ });
    const fast = fakeSocket();
    const slow = fakeSocket();
    hub.add(fast.ws, () => true, '{"type":"snapshot"}');
    hub.add(slow.ws, () => true, '{"type":"snapshot"}');
    slow.raw.bufferedAmount = 500; // the slow client has not read its last 500 bytes
    for (let v = 1; v <= 3; v++) hub.publish('plan:IA1', { type: 'plan', v });
    hub.publish('kpi:IA1', { type: 'kpi' });
    expect(fast.sent.slice(1)).toEqual(['{"type":"plan","v":1}', '{"type":"plan","v":2}', '{"type":"plan","v":3}', '{"type":"kpi"}']);
    expect(slow.sent).toEqual(['{"type":"snapshot"}']);
    expect(conflated).toBe(2);
    expect(hub.backloggedClients).toBe(1);
    hub.close();
  });

  it('drops a client whose buffer plus held-back deltas pass feedMaxBufferedBytes, and never blocks the others', () => {
    const dropped: WebSocket[] = [];
    const hub = createFeedHub({ limits, onSlowConsumer: (ws) => dropped.push(ws) });
    const fast = fakeSocket();
    const slow = fakeSocket();
    hub.add(fast.ws, () => true, '{}');
    hub.add(slow.ws, () => true, '{}');
    slow.raw.bufferedAmount = 900;
    for (let i = 0; i < 10; i++) hub.publish(`alarm:${i}`, { type: 'alarm', i, pad: 'x'.repeat(20) });
    expect(dropped).toEqual([slow.ws]);
    expect(hub.size).toBe(1);
    expect(fast.sent).toHaveLength(11);
    hub.close();
  });

  it('only shows a delta about intersections to clients whose scope includes one of them', () => {
    const hub = createFeedHub({ limits });
    const ia1 = fakeSocket();
    hub.add(ia1.ws, (ids) => ids.includes('IA1'), '{}');
    hub.publish('kpi:IA2', { type: 'kpi', id: 'IA2' }, ['IA2']);
    hub.publish('kpi:IA1', { type: 'kpi', id: 'IA1' }, ['IA1']);
    hub.publish('stats', { type: 'stats' });
    expect(ia1.sent.slice(1)).toEqual(['{"type":"kpi","id":"IA1"}', '{"type":"stats"}']);
    hub.close();
  });
});
