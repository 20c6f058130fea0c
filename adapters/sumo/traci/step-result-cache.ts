import { readSubscriptionResult, type SubscriptionResult } from './traci-protocol.js';
import type { TraciReader } from './traci-storage.js';

interface Slot {
  /** The answer the result was last decoded from, and where in it. */
  bytes: Uint8Array;
  start: number;
  length: number;
  result: SubscriptionResult;
}

/**
 * Reads the subscription results of simulation steps, decoding only those whose bytes differ from the result in
 * the same position of the previous step. SUMO answers subscriptions in the same order every step, and most
 * loops, lanes and signals report the same values from one step to the next (an empty loop, a red signal), so a
 * byte comparison replaces decoding them; the unchanged ones keep their previous result object.
 */
export class StepResultCache {
  private slots: Slot[] = [];

  /** Reads a step answer's body (count, then results); `changed` lists the results decoded anew. */
  read(r: TraciReader): { results: SubscriptionResult[]; changed: SubscriptionResult[] } {
    const n = r.int();
    const results: SubscriptionResult[] = new Array(n);
    const changed: SubscriptionResult[] = [];
    const bytes = r.bytes;
    for (let i = 0; i < n; i++) {
      const start = r.position;
      const length = r.commandLength();
      if (start + length > bytes.length) r.bytesAt(start, length); // throws: truncated
      const slot = this.slots[i];
      if (slot && slot.length === length && sameBytes(slot.bytes, slot.start, bytes, start, length)) {
        r.seek(start + length);
        results[i] = slot.result;
        continue;
      }
      r.seek(start);
      const result = readSubscriptionResult(r);
      this.slots[i] = { bytes, start, length, result };
      results[i] = result;
      changed.push(result);
    }
    this.slots.length = n;
    return { results, changed };
  }
}

function sameBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (a[aStart + k] !== b[bStart + k]) return false;
  return true;
}
