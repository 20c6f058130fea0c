import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SumoProcess } from '../../adapters/sumo/sumo-process.js';
import type { TraciClient } from '../../adapters/sumo/traci/traci-client.js';
import { TraciError } from '../../adapters/sumo/traci/traci-error.js';
import { CMD, VAR } from '../../adapters/sumo/traci/traci-constants.js';
import { getVariableCommand, readGetResponse } from '../../adapters/sumo/traci/traci-protocol.js';
import { importSumoNetwork } from '../../network-models/importers/sumo/index.js';
import { SKIP_SUMO, netgenerate, workDir } from './sumo-kit.js';

/** Real SUMO: set commands pipelined with the step, their statuses checked at the flush, step results cached. */
describe.skipIf(SKIP_SUMO)('TraCI pipelining and step results against SUMO', () => {
  const dir = workDir('traci-pipe');
  let sumo: SumoProcess;
  let client: TraciClient;
  let tls: string[] = [];
  let loops: string[] = [];

  beforeAll(async () => {
    const net = netgenerate(dir, 'grid', ['--grid', '--grid.number', '2', '--grid.length', '150', '--grid.attach-length', '100', '--tls.guess', 'true', '--default-junction-type', 'traffic_light', '--no-turnarounds', 'true']);
    const imported = importSumoNetwork(net.xml, { source: net.file });
    loops = imported.network.detectors.map((d) => d.id);
    writeFileSync(join(dir, 'detectors.add.xml'), imported.detectorsXml);
    const entries = [...net.xml.matchAll(/<edge id="(left\d+A\d+|bottom\d+A\d+)"/g)].map((m) => m[1]);
    writeFileSync(
      join(dir, 'flows.rou.xml'),
      `<routes>\n${entries.map((e, i) => `  <flow id="f${i}" from="${e}" begin="0" end="600" period="4" departSpeed="max"/>`).join('\n')}\n</routes>\n`,
    );
    ({ sumo, client } = await SumoProcess.launch({ args: ['-n', net.file, '-r', join(dir, 'flows.rou.xml'), '--additional-files', join(dir, 'detectors.add.xml'), '--no-step-log', 'true', '--no-warnings', 'true'] }));
    tls = await client.trafficLight.getIdList();
    await client.simulation.subscribeCounters();
    await client.trafficLight.subscribe(tls);
    await client.inductionLoop.subscribe(loops);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await sumo?.kill();
  });

  it('sends queued set commands with the step in one message, applied before the step', async () => {
    expect(tls.length).toBeGreaterThanOrEqual(2);
    await client.step();
    const before = client.messagesSent;
    await client.trafficLight.setPhase(tls[0], 2);
    await client.trafficLight.setPhaseDuration(tls[0], 40);
    expect(client.queuedCommands).toBe(2);
    expect(client.messagesSent).toBe(before);
    await client.step();
    expect(client.messagesSent).toBe(before + 1);
    expect(client.queuedCommands).toBe(0);
    expect(client.trafficLight.lastStep(tls[0])?.phaseIndex).toBe(2);
    // the duration set before the step counts from the step it was set in: 40 s less the step just run
    const t = client.simulation.snapshot().timeSeconds;
    expect(await client.trafficLight.getNextSwitch(tls[0])).toBeCloseTo(t - 1 + 40, 6);
  });

  it('a get sends the queue ahead of itself, in order, in the same message', async () => {
    const before = client.messagesSent;
    await client.trafficLight.setPhase(tls[1], 1);
    await client.trafficLight.setPhase(tls[1], 2);
    expect(await client.trafficLight.getPhase(tls[1])).toBe(2);
    expect(client.messagesSent).toBe(before + 1);
  });

  it('a command SUMO rejects inside a batch is thrown at the flush, naming it; the rest of the batch and the step still ran', async () => {
    const t0 = client.simulation.snapshot().timeSeconds;
    await client.trafficLight.setPhase(tls[0], 99);
    await client.trafficLight.setPhase(tls[1], 0);
    const err = (await client.step().catch((e: unknown) => e)) as TraciError;
    expect(err).toBeInstanceOf(TraciError);
    expect(err.code).toBe('GW_ERR_TRACI_COMMAND');
    expect(err.fatal).toBe(false);
    expect(err.message).toContain(`trafficLight.setPhase(${tls[0]}, 99)`);
    // the step ran and its results were stored before the error was thrown
    expect(client.simulation.snapshot().timeSeconds).toBe(t0 + 1);
    expect(client.trafficLight.lastStep(tls[1])?.phaseIndex).toBe(0);
    // the connection stays usable
    await client.step();
    expect(client.simulation.snapshot().timeSeconds).toBe(t0 + 2);
    expect(client.closed).toBe(false);
  });

  it('a rejected queued command is thrown by the get it rides with, and the get is not answered from stale bytes', async () => {
    await client.trafficLight.setProgram(tls[0], 'no-such-program');
    const err = (await client.trafficLight.getPhase(tls[0]).catch((e: unknown) => e)) as TraciError;
    expect(err).toBeInstanceOf(TraciError);
    expect(err.message).toContain(`trafficLight.setProgram(${tls[0]}, 'no-such-program')`);
    expect(typeof (await client.trafficLight.getPhase(tls[0]))).toBe('number');
  });

  it('steps sent ahead of their answers come back in order, each with its own results', async () => {
    const t0 = client.simulation.snapshot().timeSeconds;
    const before = client.messagesSent;
    const answers = [client.step(), client.step(), client.step(), client.step()];
    const times = (await Promise.all(answers)).map((r) => client.simulation.snapshotIn(r).timeSeconds);
    expect(times).toEqual([t0 + 1, t0 + 2, t0 + 3, t0 + 4]);
    expect(client.messagesSent).toBe(before + 4);
    expect(client.simulation.snapshot().timeSeconds).toBe(t0 + 4);
  });

  it('step results: every loop reading equals a direct get, unchanged readings keep their object, changed ones are new', async () => {
    const getIds = async (id: string) => {
      const r = await client.request([getVariableCommand(CMD.GET_INDUCTIONLOOP_VARIABLE, VAR.LAST_STEP_VEHICLE_ID_LIST, id)], [CMD.GET_INDUCTIONLOOP_VARIABLE]);
      return readGetResponse(r, CMD.GET_INDUCTIONLOOP_VARIABLE + 0x10, VAR.LAST_STEP_VEHICLE_ID_LIST, id) as string[];
    };
    const previous = new Map(loops.map((id) => [id, client.inductionLoop.lastStep(id)]));
    let kept = 0;
    let renewed = 0;
    let occupied = 0;
    for (let s = 0; s < 120; s++) {
      await client.step();
      const changed = new Set(client.inductionLoop.changedInLastStep());
      for (const id of loops) {
        const now = client.inductionLoop.lastStep(id)!;
        expect(now.vehicleIds).toEqual(await getIds(id));
        const before = previous.get(id)!;
        if (now === before) kept++;
        else {
          renewed++;
          // the step says which loops to read again (what the engine control reads)
          expect(changed.has(id)).toBe(true);
          // a new object only for a new reading
          expect(now.vehicleIds.join() !== before.vehicleIds.join() || now.occupancy !== before.occupancy).toBe(true);
        }
        if (now.vehicleIds.length > 0) occupied++;
        // what the engine control relies on to read occupancy only where a loop shows a vehicle
        else expect(now.occupancy).toBe(0);
        previous.set(id, now);
      }
    }
    expect(occupied).toBeGreaterThan(0);
    expect(kept).toBeGreaterThan(0);
    expect(renewed).toBeGreaterThan(0);
  }, 60_000);
});
