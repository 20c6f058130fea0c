// Where the replay's CPU goes, by thread: the 24 h (or H h) bench day of `replay.bench.ts` (made by it first)
// replayed once, and each thread's CPU seconds over the replay from /proc (Linux): the main thread, the threads
// the replay starts (in start order: the day-file reader, the measure thread), and the threads that were there
// before it (V8's compiler and GC helpers, libuv's pool). On 2 cores the replay's wall time is bound by the sum,
// not only by the main thread.
// Run: npx tsx bench/replay-threads.ts [hours=24] [--built]   (--built: the compiled dist/, as `greenwave replay` runs; `npm run build` first)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const built = args.includes('--built');
const hours = Number(args.find((a) => /^\d+(\.\d+)?$/.test(a)) ?? 24);
const dir = join(root, 'tmp', 'replay-bench');
const dayPath = join(dir, `day-${hours}h.ndjson.gz`);
const networkPath = join(dir, 'city-100.json');
if (!existsSync(dayPath) || !existsSync(networkPath)) {
  process.stderr.write(`${dayPath}: not there; make it with: npx tsx bench/replay.bench.ts ${hours}\n`);
  process.exit(1);
}
const replay = (await import(built ? pathToFileURL(join(root, 'dist', 'replay', 'index.js')).href : '../replay/index.js')) as typeof import('../replay/index.js');

/** CPU seconds (user + system) of every thread of this process now, by thread id. */
function threadCpuSeconds(into: Map<number, number>): Map<number, number> {
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // fields after the command name (in parentheses): utime and stime are the 12th and 13th, in USER_HZ (100 a second)
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      into.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // the thread ended between the listing and the read: its last sample stands
    }
  }
  return into;
}

const before = threadCpuSeconds(new Map());
const latest = new Map(before);
// Threads the replay starts end with it: sampled while they run.
const sampler = setInterval(() => threadCpuSeconds(latest), 20);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await replay.replayDay({
  network: JSON.parse(readFileSync(networkPath, 'utf8')),
  inputPath: dayPath,
  outDir: join(dir, 'out-threads'),
  periodSeconds: 60,
  actualPlans: 'acked',
  platoonShare: replay.DEFAULT_PLATOON_SHARE,
  speed: 0,
  compactPlans: false,
});
const wallSeconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
threadCpuSeconds(latest);
const cpu = process.cpuUsage(cpu0);
const used = (tid: number) => (latest.get(tid) ?? 0) - (before.get(tid) ?? 0);
const started = [...latest.keys()].filter((t) => !before.has(t) && used(t) >= 0.01).sort((a, b) => a - b);
const helpers = [...before.keys()].filter((t) => t !== process.pid).reduce((s, t) => s + used(t), 0);
process.stdout.write(
  `\nmachine: ${os.cpus()[0]?.model}, ${os.cpus().length} cores, Node ${process.version}; ${built ? 'built dist/' : 'sources (tsx)'}\n\n` +
    `| ${hours} h | wall s | process CPU s | main thread | threads started (reader, measure, ...) | threads before (V8, libuv) | peak RSS (MB) | load avg |\n|---|---:|---:|---:|---|---:|---:|---:|\n` +
    `| ${built ? 'built' : 'tsx'} | ${wallSeconds.toFixed(2)} | ${((cpu.user + cpu.system) / 1e6).toFixed(2)} | ${used(process.pid).toFixed(2)} | ${started.map((t) => used(t).toFixed(2)).join(', ')} | ${helpers.toFixed(2)} | ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} | ${os.loadavg()[0].toFixed(1)} |\n`,
);
