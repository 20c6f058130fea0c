import type { GreenwaveServer } from '../websocket/index.js';
import type { DayFileWriter } from '../files/index.js';
import { recordableCount } from './recordable-count.js';

/**
 * Records everything the live server receives and decides into day files: every count as received (rejects
 * included, so a replay sees the same input) but only its schema fields, size-capped (`recordableCount`), every
 * plan issued, every controller acknowledgement, and detector faults, recoveries and plans stopped by the safety
 * gate. Returns the unsubscribe.
 */
export function recordServerEvents(server: Pick<GreenwaveServer, 'tap'>, writer: Pick<DayFileWriter, 'write'>, now: () => number = Date.now): () => void {
  return server.tap((e) => {
    switch (e.kind) {
      case 'count':
        writer.write({ kind: 'count', atMs: e.atMs, record: recordableCount(e.record) });
        break;
      case 'controller-message':
        if (e.message.type === 'ack')
          writer.write({
            kind: 'ack',
            atMs: e.atMs,
            intersectionId: e.message.intersectionId,
            version: e.message.version,
            accepted: e.message.status === 'accepted',
            ...(e.message.reason !== undefined ? { reason: e.message.reason } : {}),
          });
        break;
      case 'engine': {
        const ev = e.event;
        if (ev.type === 'plan') writer.write({ kind: 'plan', atMs: ev.atMs, plan: ev.plan });
        else if (ev.type === 'detector-fault' || ev.type === 'detector-recovered' || ev.type === 'plan-rejected') writer.write({ kind: 'fault', atMs: ev.atMs ?? now(), event: ev });
        break;
      }
      case 'feed':
        break;
    }
  });
}
