import { readFileSync } from 'node:fs';
import { importSumoNetwork } from './network-models/importers/sumo/index.js';
import { controllerFor } from './adapters/sumo/index.js';
import { summarizeTripinfo } from './adapters/sumo/tripinfo-summary.js';
const net = process.cwd() + '/bench/out/sumo-speed/grid3-2h/grid3-2h.net.xml';
for (let i = 0; i < 3; i++) {
  const c0 = process.cpuUsage();
  const xml = readFileSync(net, 'utf8');
  const imp = importSumoNetwork(xml, { source: net });
  const c1 = process.cpuUsage(c0);
  const ctl = controllerFor('static');
  const netXml = ctl.sumoNetXml?.(imp.network, xml);
  const c2 = process.cpuUsage(c0);
  console.log('import', ((c1.user + c1.system) / 1e3).toFixed(0), 'ms; + static programs', ((c2.user + c2.system - c1.user - c1.system) / 1e3).toFixed(0), 'ms', netXml?.length);
}
