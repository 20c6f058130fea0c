// Replay end to end, report included: a synthetic day of 1-minute counts for 100 signals with 8 detectors each
// (about 1.15 million records) in a gzip day file, through the replay `greenwave replay` runs (`replayDay`).
// Targets: under 10 s on 2 cores, and at most 3x the floor measured in the same run — gunzip + line split +
// JSON.parse of the same file, what any replay must do — so the figure means the same on a loaded machine;
// memory flat in the length of the day.
// Run: npx tsx bench/replay.bench.ts [hours=24] [--plans compact|full] [--period SECONDS]
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip, createGzip } from 'node:zlib';
import { parseArgs } from 'node:util';
import { buildGridNetwork, SyntheticDemand } from '../network-models/index.js';
import { DEFAULT_PLATOON_SHARE, replayDay } from '../replay/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'tmp', 'replay-bench');
const generating = process.argv[2] === '--generate';
const args = process.argv.slice(generating ? 3 : 2);
const hours = args[0] !== undefined && /^\d+(\.\d+)?$/.test(args[0]) ? Number(args.shift()) : 24;
/** Further arguments: the replay's options, as `greenwave replay` takes them. */
const extra = generating ? [] : args;
const { values: replayOptions } = parseArgs({ args: extra, options: { plans: { type: 'string', default: 'full' }, period: { type: 'string', default: '60' } }, strict: true });
if (replayOptions.plans !== 'full' && replayOptions.plans !== 'compact') throw new Error(`--plans = ${replayOptions.plans}: must be full or compact`);
const networkPath = join(dir, 'city-100.json');
const dayPath = join(dir, `day-${hours}h.ndjson.gz`);

/** 10x10 grid, two lanes on every approach, stop-line detectors only: 8 a signal. */
function network() {
  const net = buildGridNetwork({ name: 'bench city: 100 signals', columns: 10, rows: 10, spacingMetres: 250, mainStreetRows: [], speedMetresPerSecond: 13.9, sideSpeedMetresPerSecond: 11.1, boundaryLinkMetres: 200, advanceDetectorMetres: 400, timeZone: 'UTC' });
  return net;
}

async function generate(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const net = network();
  writeFileSync(networkPath, JSON.stringify(net));
  const day = Date.UTC(2026, 10, 23);
  const gz = createGzip({ level: 6 });
  const out = gz.pipe(createWriteStream(dayPath));
  let buf = '';
  for (const c of new SyntheticDemand(net, { seed: 1 }).day(day, day + hours * 3_600_000, 60)) {
    buf += `${JSON.stringify({ kind: 'count', atMs: c.timestamp, record: c })}\n`;
    if (buf.length > 1 << 20) {
      if (!gz.write(buf)) await new Promise<void>((r) => gz.once('drain', () => r()));
      buf = '';
    }
  }
  gz.end(buf);
  await new Promise<void>((r) => out.once('finish', () => r()));
}

if (generating) {
  await generate();
} else {
  if (!existsSync(dayPath)) {
    // In a child process, so that generating the day does not count in this process's peak memory.
    const g = spawnSync(process.execPath, ['--import', 'tsx', 'bench/replay.bench.ts', '--generate', String(hours)], { cwd: root, stdio: 'inherit' });
    if (g.status !== 0) process.exit(1);
  }
  const net = network();
  const records = net.detectors.length * hours * 60;
  const floorCpu0 = process.cpuUsage();
  const floorMain0 = mainThreadCpuSeconds();
  const floor = await parseFloorSeconds(dayPath);
  const floorCpu = process.cpuUsage(floorCpu0);
  const floorCpuSeconds = (floorCpu.user + floorCpu.system) / 1e6;
  const floorMainSeconds = mainThreadCpuSeconds() - floorMain0;
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuSeconds();
  const t0 = performance.now();
  await replayDay({
    network: net,
    inputPath: dayPath,
    outDir: join(dir, 'out'),
    periodSeconds: Number(replayOptions.period),
    actualPlans: 'acked',
    platoonShare: DEFAULT_PLATOON_SHARE,
    speed: 0,
    compactPlans: replayOptions.plans === 'compact',
  });
  const seconds = (performance.now() - t0) / 1000;
  const mainSeconds = mainThreadCpuSeconds() - main0;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `\nmachine: ${os.cpus()[0]?.model}, ${os.cpus().length} cores, Node ${process.version}\n\n| case | records | seconds | floor s | × floor | records/s | CPU s (user+sys) | floor CPU s | CPU × floor | main-thread CPU s | × floor's | peak RSS (MB) | load avg |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n` +
      `| 100 signals × 8 detectors, ${hours} h of 1-minute counts, report included${extra.length ? `, ${extra.join(' ')}` : ''} | ${records.toLocaleString('en')} | ${seconds.toFixed(2)} | ${floor.toFixed(2)} | ${(seconds / floor).toFixed(2)} | ${Math.round(records / seconds).toLocaleString('en')} | ${cpuSeconds.toFixed(1)} | ${floorCpuSeconds.toFixed(1)} | ${(cpuSeconds / floorCpuSeconds).toFixed(2)} | ${fmt(mainSeconds, 2)} | ${fmt(mainSeconds / floorMainSeconds, 2)} | ${rssMb.toFixed(0)} | ${os.loadavg()[0].toFixed(1)} |\n`,
  );
}

/**
 * CPU seconds (user + system) of this process's main thread alone, from /proc (Linux; NaN elsewhere): the
 * replay's critical path, as the day file is read on a worker thread. On a host shared with other work, wall
 * time grows with the load while a thread's own CPU time grows far less: the steadier figure to compare.
 */
function mainThreadCpuSeconds(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name (in parentheses, which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // In Linux's USER_HZ, 100 a second on every mainstream architecture (a literal: this runs before the module's
    // later constants are initialised).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function fmt(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

/** The floor: gunzip, split into lines and JSON.parse every line of the day file, on this thread, in seconds. */
async function parseFloorSeconds(path: string): Promise<number> {
  const t0 = performance.now();
  let rest = '';
  let parsed = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 20 }))) {
    const lines = (rest + (chunk as Buffer).toString('utf8')).split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (line !== '' && JSON.parse(line) !== null) parsed++;
  }
  if (rest !== '' && JSON.parse(rest) !== null) parsed++;
  if (parsed === 0) throw new Error(`${path}: no records`);
  return (performance.now() - t0) / 1000;
}
