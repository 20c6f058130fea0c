import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { MeasureCore, type BinMeasures, type MeasureSetup } from './measure-core.js';
import { pcdFigures, type PcdFigures } from './pcd-figure.js';

/** The measure thread's set-up: the replay's, the port results go back on, and the flag that wakes the replay. */
export interface MeasureWorkerData {
  setup: MeasureSetup;
  results: MessagePort;
  /** Int32Array over shared memory: incremented, and notified, after each result posted. */
  posted: Int32Array;
}

/**
 * A result of the measure thread, in order: a closed bin's counters, the diagrams' data at the end, then (when
 * asked for, and there are diagrams) the diagrams drawn; or a failure.
 */
export type MeasureResult =
  | { type: 'bin'; bin: BinMeasures }
  | { type: 'end'; pcdActual: unknown; pcdEngine: unknown }
  | { type: 'pcds'; figures: PcdFigures }
  | { type: 'error'; message: string };

/** A batch of operations (see measure-core.ts), or the end (`drawPcds`: draw the diagrams too, after the end's result). */
export type MeasureCommand = { type: 'ops'; ops: Float64Array } | { type: 'end'; drawPcds: boolean };

const { setup, results, posted } = workerData as MeasureWorkerData;
const core = new MeasureCore(setup);
let failed = false;

function post(result: MeasureResult): void {
  results.postMessage(result);
  Atomics.add(posted, 0, 1);
  Atomics.notify(posted, 0);
}

/** One function for every batch: a new closure per batch made the optimised `apply` deopt ("wrong call target") and compile again. */
const postBin = (bin: BinMeasures) => post({ type: 'bin', bin });

parentPort!.on('message', (m: MeasureCommand) => {
  if (failed) return;
  try {
    if (m.type === 'ops') core.apply(m.ops, m.ops.length, postBin);
    else {
      post({ type: 'end', pcdActual: core.pcdActual, pcdEngine: core.pcdEngine });
      if (m.drawPcds && core.pcdActual && core.pcdEngine) post({ type: 'pcds', figures: pcdFigures(core.pcdActual, core.pcdEngine, setup.timeZone) });
    }
  } catch (err) {
    failed = true;
    post({ type: 'error', message: (err as Error).stack ?? String(err) });
  }
});
