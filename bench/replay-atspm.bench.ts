// Replay of a controller event log end to end (`greenwave replay --input LOG.csv.gz --atspm-config CONFIG.csv`):
// a synthetic high-resolution log of 10 signals (NEMA 2+6 and 4+8, stop-bar and advance detectors, terminations,
// pedestrian calls) for HOURS hours, through the ATSPM tables, the engine on the configuration's network skeleton,
// and the report. Reports time beside its floor (gunzip + line split + field split of the same file, measured in
// the same run) and peak RSS: run it for a 1-day and a 3-day log to see memory stay flat in the log's length.
// Run: npx tsx bench/replay-atspm.bench.ts [hours=24]
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip, createGzip } from 'node:zlib';
import { mulberry32 } from '../network-models/index.js';
import { atspmNetwork, DEFAULT_PLATOON_SHARE, replayDay } from '../replay/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'tmp', 'replay-atspm-bench');
const generating = process.argv[2] === '--generate';
const args = process.argv.slice(generating ? 3 : 2);
const hours = args[0] !== undefined && /^\d+(\.\d+)?$/.test(args[0]) ? Number(args[0]) : 24;
const SIGNALS = 10;
const logPath = join(dir, `log-${hours}h.csv.gz`);
const configPath = join(dir, 'detectors.csv');


/** Local wall time as the logs write it, with a tenth of a second. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 21).replace('T', ' ');
}

async function generate(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const config = ['DeviceId,Phase,Parameter,Function'];
  for (let s = 1; s <= SIGNALS; s++) for (const p of [2, 4, 6, 8]) config.push(`${s},${p},${p},Presence`, `${s},${p},${p + 20},Advance`);
  writeFileSync(configPath, `${config.join('\n')}\n`);
  const gz = createGzip({ level: 6 });
  const out = gz.pipe(createWriteStream(logPath));
  gz.write('SignalID,Timestamp,EventCode,EventParam\n');
  const rnd = mulberry32(1);
  const start = Date.UTC(2026, 10, 23);
  const end = start + hours * 3_600_000;
  const chunkMs = 10 * 60_000;
  /** Per signal: when its next cycle starts. */
  const nextCycle = Array.from({ length: SIGNALS }, (_, i) => start + i * 7_000);
  /** Events past the chunk being written, kept for the next one. */
  let carry: Array<[number, number, number, number]> = [];
  for (let from = start; from < end; from += chunkMs) {
    const to = from + chunkMs;
    const events = carry.filter((e) => e[0] < to);
    carry = carry.filter((e) => e[0] >= to);
    for (let s = 0; s < SIGNALS; s++) {
      // A cycle's vehicles start 20 s before its green: cycles are made a minute ahead of the rows written.
      while (nextCycle[s] < to + 60_000) {
        let t = nextCycle[s];
        const hour = ((t - start) / 3_600_000) % 24;
        const busy = hour >= 7 && hour < 19 ? 1 : 0.35;
        for (const [a, b] of [[2, 6], [4, 8]]) {
          const green = 15_000 + Math.round(rnd() * 25) * 1000;
          for (const p of [a, b]) {
            events.push([t, s + 1, 1, p], [t + green, s + 1, rnd() < 0.5 ? 4 : 5, p], [t + green, s + 1, 8, p], [t + green + 4000, s + 1, 9, p], [t + green + 4000, s + 1, 10, p], [t + green + 6000, s + 1, 11, p]);
            // Vehicles over the cycle: advance on/off, then the stop bar (longer on while queued in red).
            const vehicles = Math.round(busy * (6 + rnd() * 10));
            for (let v = 0; v < vehicles; v++) {
              const at = t - 20_000 + Math.round(rnd() * (green + 40_000));
              events.push([at, s + 1, 82, p + 20], [at + 300 + Math.round(rnd() * 300), s + 1, 81, p + 20]);
              const stopOn = at + 8_000;
              events.push([stopOn, s + 1, 82, p], [stopOn + 500 + Math.round(rnd() * (stopOn < t ? 8000 : 1500)), s + 1, 81, p]);
            }
            if (rnd() < 0.1) events.push([t - 5000, s + 1, 45, p], [t, s + 1, 21, p], [t + 7000, s + 1, 22, p]);
          }
          t += green + 6000;
        }
        nextCycle[s] = t;
      }
    }
    const now = events.filter((e) => e[0] < to && e[0] >= start);
    carry.push(...events.filter((e) => e[0] >= to));
    now.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || x[3] - y[3]);
    const text = now.map((e) => `${e[1]},${stamp(e[0])},${e[2]},${e[3]}\n`).join('');
    if (!gz.write(text)) await new Promise<void>((r) => gz.once('drain', () => r()));
  }
  gz.end();
  await new Promise<void>((r) => out.once('finish', () => r()));
}

/** The floor: gunzip, split into lines and each line into its fields, on this thread, in seconds. */
async function parseFloorSeconds(path: string): Promise<{ seconds: number; rows: number }> {
  const t0 = performance.now();
  let rest = '';
  let rows = 0;
  let fields = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 20 }))) {
    const lines = (rest + (chunk as Buffer).toString('latin1')).split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (line !== '') fields += line.split(',').length, rows++;
  }
  if (fields === 0) throw new Error(`${path}: no rows`);
  return { seconds: (performance.now() - t0) / 1000, rows: rows - 1 };
}

if (generating) {
  await generate();
} else {
  if (!existsSync(logPath)) {
    // In a child process, so that generating the log does not count in this process's peak memory.
    const g = spawnSync(process.execPath, ['--import', 'tsx', 'bench/replay-atspm.bench.ts', '--generate', String(hours)], { cwd: root, stdio: 'inherit' });
    if (g.status !== 0) process.exit(1);
  }
  const floor = await parseFloorSeconds(logPath);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { network, detectorConfig, detectorConfigSource } = await atspmNetwork({ configPath, inputPath: logPath });
  await replayDay({ network, inputPath: logPath, outDir: join(dir, `out-${hours}h`), periodSeconds: 60, actualPlans: 'acked', platoonShare: DEFAULT_PLATOON_SHARE, speed: 0, compactPlans: false, detectorConfig, detectorConfigSource });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `\nmachine: ${os.cpus()[0]?.model}, ${os.cpus().length} cores, Node ${process.version}\n\n| case | events | seconds | floor s | × floor | CPU s (user+sys) | peak RSS (MB) | load avg |\n|---|---:|---:|---:|---:|---:|---:|---:|\n` +
      `| ${SIGNALS} signals' event log, ${hours} h, ATSPM tables + engine + report | ${floor.rows.toLocaleString('en')} | ${seconds.toFixed(2)} | ${floor.seconds.toFixed(2)} | ${(seconds / floor.seconds).toFixed(2)} | ${((cpu.user + cpu.system) / 1e6).toFixed(1)} | ${rssMb.toFixed(0)} | ${os.loadavg()[0].toFixed(1)} |\n`,
  );
}
