import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSumoClosedLoop, type ClosedLoopSummary } from '../../adapters/sumo/run-closed-loop.js';
import { loadAddonFrom, loadLibsumoAddon, type LibsumoAddon } from '../../adapters/sumo/libsumo/libsumo-addon.js';
import { LibsumoClient } from '../../adapters/sumo/libsumo/libsumo-client.js';
import { resolveSumoBinding } from '../../adapters/sumo/sumo-binding.js';
import { liveSumoProcessCount } from '../../adapters/sumo/sumo-process.js';
import { generateScenario } from '../../bench/sumo/generate-scenarios.js';
import { SCENARIOS } from '../../bench/sumo/scenario-definitions.js';
import { importSumoNetwork } from '../../network-models/importers/sumo/index.js';
import { SKIP_SUMO, workDir } from './sumo-kit.js';

/** libsumo tests need the addon (npm run build:libsumo, run by scripts/setup.sh); GREENWAVE_SKIP_LIBSUMO=1 skips them explicitly. */
const SKIP_LIBSUMO = SKIP_SUMO || process.env['GREENWAVE_SKIP_LIBSUMO'] === '1';

/** SUMO's tripinfo from the <tripinfos> element on: the header before it lists the options (TraCI's port among them). */
const tripinfos = (file: string) => {
  const text = readFileSync(file, 'utf8');
  return text.slice(text.indexOf('<tripinfos'));
};
const withoutRunFacts = ({ wallSeconds, binding, ...rest }: ClosedLoopSummary) => (void wallSeconds, void binding, rest);

describe('the libsumo addon', () => {
  it('says why when it is missing or is not an addon', () => {
    const dir = workDir('addon');
    const missing = loadAddonFrom([join(dir, 'none.node')]);
    expect(missing.addon).toBeNull();
    expect(!missing.addon && missing.reason).toMatch(/not built .*npm run build:libsumo/);
    const bogus = join(dir, 'bogus.node');
    writeFileSync(bogus, 'not a shared object');
    const broken = loadAddonFrom([bogus]);
    expect(!broken.addon && broken.reason).toMatch(/bogus\.node does not load/);
  });

  it('auto falls back to TraCI with the reason when the addon does not load; libsumo then fails naming it', () => {
    const loadAddon = () => ({ addon: null, reason: 'the libsumo addon is not built (test)' }) as const;
    expect(resolveSumoBinding('auto', { loadAddon })).toEqual({ binding: 'traci', reason: 'the libsumo addon is not built (test)' });
    expect(() => resolveSumoBinding('libsumo', { loadAddon })).toThrow(expect.objectContaining({ code: 'GW_ERR_LIBSUMO_UNAVAILABLE', message: expect.stringContaining('not built (test)') }));
    expect(resolveSumoBinding('traci', { loadAddon }).binding).toBe('traci');
    // built but not loading (another Node, libsumocpp gone) is flagged, for a warning rather than an info line
    expect(resolveSumoBinding('auto', { loadAddon: () => ({ addon: null, reason: 'does not load (test)', built: true }) })).toMatchObject({ binding: 'traci', unexpected: true });
  });

  it.skipIf(SKIP_LIBSUMO)('is built and loads (npm run build:libsumo; GREENWAVE_SKIP_LIBSUMO=1 to skip)', () => {
    const load = loadLibsumoAddon();
    expect(load.addon ? 'loads' : load.reason).toBe('loads');
    // a named sumo binary means a program to run: auto takes TraCI
    expect(resolveSumoBinding('auto', { sumoBinary: '/opt/sumo/bin/sumo' }).binding).toBe('traci');
  });
});

describe.skipIf(SKIP_LIBSUMO)('SUMO through libsumo, in this process', () => {
  const dir = workDir('libsumo');
  let cfg = '';
  let net = '';
  let addon: LibsumoAddon;
  beforeAll(() => {
    const grid = SCENARIOS.find((s) => s.name === 'grid3-1lane')!;
    cfg = generateScenario(grid, dir);
    net = join(dir, grid.name, `${grid.name}.net.xml`);
    const load = loadLibsumoAddon();
    if (!load.addon) throw new Error(load.reason);
    addon = load.addon;
  });
  afterEach(() => {
    expect(addon.running()).toBe(false);
    expect(liveSumoProcessCount()).toBe(0);
  });

  it('gives the same tripinfo and summary as TraCI, for the engine and for max-pressure', async () => {
    for (const control of ['engine', 'max-pressure'] as const) {
      const run = (binding: 'traci' | 'libsumo') =>
        runSumoClosedLoop({ scenario: { configFile: cfg, endSeconds: 900 }, seed: 1, control, binding, tripinfoFile: join(dir, `${control}.${binding}.xml`) });
      const traci = await run('traci');
      const libsumo = await run('libsumo');
      expect([traci.binding, libsumo.binding]).toEqual(['traci', 'libsumo']);
      expect(libsumo.vehicles, control).toBeGreaterThan(100);
      expect(libsumo.planUpdates, control).toBeGreaterThan(0);
      expect(tripinfos(join(dir, `${control}.libsumo.xml`)) === tripinfos(join(dir, `${control}.traci.xml`)), control).toBe(true);
      expect(withoutRunFacts(libsumo), control).toEqual(withoutRunFacts(traci));
    }
  }, 180_000);

  it('refuses a second simulation while one runs; auto then takes TraCI', async () => {
    const first = LibsumoClient.start(addon, ['-n', net, '--no-step-log', 'true']);
    try {
      expect(() => LibsumoClient.start(addon, ['-n', net])).toThrow(expect.objectContaining({ code: 'GW_ERR_LIBSUMO_BUSY', message: expect.stringContaining('already running') }));
      await expect(runSumoClosedLoop({ scenario: { configFile: cfg, endSeconds: 60 }, seed: 1, control: 'static', binding: 'libsumo' })).rejects.toMatchObject({ code: 'GW_ERR_LIBSUMO_BUSY' });
      const auto = await runSumoClosedLoop({ scenario: { configFile: cfg, endSeconds: 60 }, seed: 1, control: 'static' });
      expect(auto.binding).toBe('traci');
      // the first simulation was not disturbed
      await first.step();
      expect(first.simulation.snapshot().timeSeconds).toBe(0);
      expect(await first.simulation.getTime()).toBe(1);
    } finally {
      await first.close();
    }
    const next = await runSumoClosedLoop({ scenario: { configFile: cfg, endSeconds: 60 }, seed: 1, control: 'static' });
    expect(next.binding).toBe('libsumo');
  }, 60_000);

  it("reports SUMO failing to start with SUMO's own message, and can start afterwards", async () => {
    expect(() => LibsumoClient.start(addon, ['-n', join(dir, 'missing.net.xml')])).toThrow(expect.objectContaining({ code: 'GW_ERR_SUMO_START', message: expect.stringContaining('missing.net.xml') }));
    expect(addon.running()).toBe(false);
    await expect(runSumoClosedLoop({ scenario: { netFile: join(dir, 'missing.net.xml'), routeFiles: [] }, seed: 1, control: 'static', binding: 'libsumo' })).rejects.toMatchObject({ code: expect.stringMatching(/GW_ERR_SUMO_START|ENOENT/) });
    const c = LibsumoClient.start(addon, ['-n', net, '--no-step-log', 'true']);
    await c.close();
    expect(c.closed).toBe(true);
  });

  it('names an unknown loop: a rejected subscription or get is recoverable, a queued one is thrown after its step', async () => {
    const detectors = join(dir, 'detectors.add.xml');
    writeFileSync(detectors, importSumoNetwork(readFileSync(net, 'utf8'), { source: net }).detectorsXml);
    const c = LibsumoClient.start(addon, ['-c', cfg, '--additional-files', detectors, '--no-step-log', 'true']);
    try {
      const ids = await c.inductionLoop.getIdList();
      expect(ids.length).toBeGreaterThan(0);
      await expect(c.inductionLoop.subscribe(['no-such-loop'])).rejects.toMatchObject({ code: 'GW_ERR_TRACI_COMMAND', fatal: false, message: expect.stringContaining("'no-such-loop' is not known") });
      await c.inductionLoop.subscribeVehicleIds(ids);
      await c.simulation.subscribeCounters();
      c.inductionLoop.queueOccupancy('no-such-loop', () => undefined);
      await expect(c.step()).rejects.toMatchObject({ code: 'GW_ERR_TRACI_COMMAND', message: expect.stringMatching(/^inductionLoop\.getLastStepOccupancy: .*no-such-loop/) });
      // the step ran and its values are stored
      expect(c.simulation.snapshot().timeSeconds).toBe(1);
      expect(c.inductionLoop.lastStep(ids[0])).toEqual({ vehicleIds: expect.any(Array), occupancy: 0 });
      await c.trafficLight.setPhase('no-such-signal', 0);
      await expect(c.sendQueued()).rejects.toMatchObject({ message: expect.stringContaining('trafficLight.setPhase(no-such-signal, 0)') });
      await c.step();
      expect(c.simulation.snapshot().timeSeconds).toBe(2);
    } finally {
      await c.close();
    }
    await expect(c.step()).rejects.toMatchObject({ code: 'GW_ERR_TRACI_CLOSED' });
  });
});
