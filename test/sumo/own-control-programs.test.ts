import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { netWithPrograms, ownControlAdditionalXml } from '../../adapters/sumo/control/own-control-programs.js';
import { runSumoClosedLoop } from '../../adapters/sumo/run-closed-loop.js';
import { readSumoXmlFile } from '../../adapters/sumo/sumo-scenario.js';
import { importSumoNetwork, parseSumoNet } from '../../network-models/importers/sumo/index.js';
import { netgenerate, SKIP_SUMO, workDir } from './sumo-kit.js';

const NET = `<?xml version="1.0" encoding="UTF-8"?>
<net version="1.9">
    <edge id="a" from="J0" to="J1"><lane id="a_0" index="0" speed="13.89" length="100" shape="0,0 100,0"/></edge>

    <tlLogic id="J1" type="actuated" programID="0" offset="0">
        <phase duration="30" state="Gr" minDur="5" maxDur="50"/>
        <phase duration="3" state="yr"/>
    </tlLogic>

    <junction id="J1" type="traffic_light" x="100" y="0" incLanes="a_0" intLanes="" shape=""/>
</net>
`;

describe('SUMO own controls built into a copy of the network', () => {
  it('adds the programs before the first junction and keeps the network own ones', () => {
    const add = `<additional>\n    <tlLogic id="J1" type="static" programID="gw-static" offset="0">\n        <phase duration="40" state="Gr"/>\n    </tlLogic>\n</additional>\n`;
    const out = netWithPrograms(NET, add);
    expect(out.indexOf('programID="gw-static"')).toBeGreaterThan(out.indexOf('programID="0"'));
    expect(out.indexOf('programID="gw-static"')).toBeLessThan(out.indexOf('<junction'));
    expect(out.replace(/ {4}<tlLogic id="J1" type="static" programID="gw-static"[\s\S]*?<\/tlLogic>\n\n/, '')).toBe(NET);
    expect(netWithPrograms(NET, '<additional/>')).toBe(NET);
    expect(() => netWithPrograms('<routes/>', add)).toThrow('not a SUMO network');
  });

  it('rebuilds static, actuated and delay_based over the network phases, as netconvert --tls.default-type does', () => {
    const dir = workDir('own-programs');
    const { xml, file } = netgenerate(dir, 'g', ['--grid', '--grid.number', '2', '--grid.attach-length', '100', '--default-junction-type', 'traffic_light']);
    const network = importSumoNetwork(xml, { source: file }).network;
    const own = parseSumoNet(xml, file).tlLogics.find((t) => t.id === 'A0')!;
    for (const type of ['static', 'actuated', 'delay_based'] as const) {
      const built = parseSumoNet(netWithPrograms(xml, ownControlAdditionalXml(network, type)), file).tlLogics.filter((t) => t.id === 'A0');
      expect(built.map((t) => t.programID)).toEqual(['0', `gw-${type}`]);
      const rebuilt = built[1];
      expect(rebuilt.type).toBe(type);
      // same states and durations; the greens of actuated programs get netconvert's 5..50 s
      expect(rebuilt.phases.map((p) => [p.state, p.duration])).toEqual(own.phases.map((p) => [p.state, p.duration]));
      const greens = rebuilt.phases.filter((p) => /G/.test(p.state) && !/y/.test(p.state));
      for (const g of greens) expect([g.minDur, g.maxDur]).toEqual(type === 'static' ? [undefined, undefined] : [5, 50]);
    }
  });
});

const BERLIN = join(process.cwd(), '../shared/scenarios/berlin_doerpfeldstr/berlin_doerpfeldstr.sumocfg');

describe.skipIf(SKIP_SUMO || !existsSync(BERLIN))('SUMO actuated on a network whose programs SUMO refuses from an additional file', () => {
  it('runs berlin_doerpfeldstr under actuated (SUMO 1.15 refuses its programs as an additional: mutual conflict)', async () => {
    const s = await runSumoClosedLoop({ scenario: { configFile: BERLIN, endSeconds: 50_600 }, seed: 1, control: 'actuated' });
    expect(s.signals).toBeGreaterThan(5);
    expect(s.vehicles).toBeGreaterThan(100);
    // the network is read gzip-compressed, as the city ships it
    expect(readSumoXmlFile(BERLIN.replace('.sumocfg', '.net.xml.gz'))).toContain('<net ');
  }, 120_000);
});
