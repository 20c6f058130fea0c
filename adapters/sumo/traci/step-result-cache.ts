import { readSubscriptionResult, type SubscriptionResult } from './traci-protocol.js';
import type { TraciReader } from './traci-storage.js';

interface Slot {
  bytes: Buffer;
  result: SubscriptionResult;
}

/**
 * Reads the subscription results of simulation steps, decoding only those whose bytes differ from the result in
 * the same position of the previous step. SUMO answers subscriptions in the same order every step, and most
 * loops, lanes and signals report the same values from one step to the next (an empty loop, a red signal), so a
 * byte comparison (native) replaces decoding them; the unchanged ones keep their previous result object.
 */
export class StepResultCache {
  private slots: Slot[] = [];

  /** Reads a step answer's body (count, then results); `changed` lists the results decoded anew. */
  read(r: TraciReader): { results: SubscriptionResult[]; changed: SubscriptionResult[] } {
    const n = r.int();
    const results: SubscriptionResult[] = new Array(n);
    const changed: SubscriptionResult[] = [];
    for (let i = 0; i < n; i++) {
      const start = r.position;
      const length = r.commandLength();
      const bytes = r.bytesAt(start, length);
      const slot = this.slots[i];
      if (slot && slot.bytes.equals(bytes)) {
        r.seek(start + length);
        results[i] = slot.result;
        continue;
      }
      r.seek(start);
      const result = readSubscriptionResult(r);
      // a copy: the answer's buffer is not kept alive for one slot
      this.slots[i] = { bytes: Buffer.from(bytes), result };
      results[i] = result;
      changed.push(result);
    }
    this.slots.length = n;
    return { results, changed };
  }
}
