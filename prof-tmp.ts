import { runSumoClosedLoop } from './adapters/sumo/index.js';
const control = (process.argv[2] ?? 'static') as 'static';
const binding = (process.argv[3] ?? 'libsumo') as 'libsumo';
const c0 = process.cpuUsage();
const s = await runSumoClosedLoop({ scenario: { configFile: process.cwd() + '/bench/out/sumo-speed/grid3-2h/grid3-2h.sumocfg' }, seed: 1, control, binding });
const c = process.cpuUsage(c0);
console.log(control, binding, s.meanTimeLoss, ((c.user + c.system) / 1e6).toFixed(2), 'CPU s');
