/**
 * Where SUMO's CPU goes under the engine control: one live `greenwave sumo --control engine` run is recorded
 * (every TraCI message, command by command), then replayed into a fresh SUMO with the same arguments with classes
 * of commands left out, so SUMO's CPU can be read per class with this process doing next to nothing:
 *   steps          the simulation steps and the runner's counters only
 *   +loops         and the loops' subscriptions and occupancy gets
 *   +sets          and the signals' set commands (what the engine showed), loops left out
 *   +loops+sets    everything the engine sent (the same simulation as the live run)
 *   +subs+sets     as +loops+sets without the occupancy gets (the loops' subscriptions alone)
 *   +loopcount+sets as +loops+sets with the loops subscribed to their vehicle number instead of their ids (fewer bytes)
 *   +context+sets  as +loops+sets with one context subscription over every loop instead of one per loop
 *   live           the live engine run itself (also prints how long each side held the turn)
 *   alone          SUMO alone with the same arguments, no TraCI
 * Prints SUMO's and this process's CPU seconds and wall per variant, and the messages' count and bytes. Replays
 * that leave commands out simulate other traffic than the live run (other signal states); CPU only.
 * `--replay-binary` runs the replays and SUMO alone with another executable, e.g. a script running SUMO under
 * `valgrind --tool=callgrind`, whose instruction counts do not depend on the host's load.
 * Usage: npx tsx bench/sumo/step-cost.ts [--config FILE.sumocfg] [--seed 1] [--repeats 1] [--variants live,alone,steps,...] [--replay-binary FILE]
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { SumoProcess, TRACI_CMD as CMD, TRACI_VAR as VAR, encodeTraciCommand, runSumoClosedLoop } from '../../adapters/sumo/index.js';
import { arg, childrenCpuSeconds, childrenSystemSeconds, speedScenario } from './bench-process.js';

/** What this script uses of a client's connection (private to the TraCI client: reached by its field name). */
interface Connection {
  request(commands: readonly Buffer[]): Promise<{ bytes: Buffer }>;
  onRead(buf: Uint8Array, nread: number): void;
}

function connectionOf(client: object): Connection {
  return (client as { connection: Connection }).connection;
}

function tracDouble(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  return b;
}

/** A command's id (short form: length byte then id; long form: 0, 4-byte length, id). */
function commandId(c: Buffer): number {
  return c[0] === 0 ? c[5] : c[1];
}

interface Recording {
  args: string[];
  messages: Buffer[][];
}

interface Timing {
  sumoCpuSeconds: number;
  sumoSystemSeconds?: number;
  nodeCpuSeconds: number;
  wallSeconds: number;
  messages: number;
  bytesSent: number;
  bytesReceived: number;
}

/** The live engine run, recorded: SUMO's arguments (inputs copied to `keep`) and every message sent. */
async function live(configFile: string, seed: number, keep: string): Promise<{ rec: Recording; timing: Timing }> {
  const rec: Recording = { args: [], messages: [] };
  let bytesReceived = 0;
  // time from an answer's arrival to the next message's write (this process's turn), and from a write to the next answer
  let answeredAt = 0;
  let writtenAt = 0;
  let nodeTurnMs = 0;
  let sumoTurnMs = 0;
  const origLaunch = SumoProcess.launch;
  SumoProcess.launch = async (o) => {
    // keep the run's inputs (its work directory is removed at the end) and send its outputs here
    const args = [...o.args];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--additional-files')
        args[i + 1] = args[i + 1]
          .split(',')
          .map((f) => {
            const copy = join(keep, basename(f));
            copyFileSync(f, copy);
            return copy;
          })
          .join(',');
      if (args[i] === '--tripinfo-output') args[i + 1] = join(keep, 'tripinfo.xml');
    }
    rec.args = args;
    const launched = await origLaunch.call(SumoProcess, o);
    // every message after the version check the launch made
    const connection = connectionOf(launched.client);
    const request = connection.request.bind(connection);
    const onRead = connection.onRead.bind(connection);
    connection.onRead = (buf, nread) => {
      const now = performance.now();
      if (writtenAt > 0) sumoTurnMs += now - writtenAt;
      writtenAt = 0;
      answeredAt = now;
      onRead(buf, nread);
    };
    connection.request = (commands) => {
      const now = performance.now();
      if (answeredAt > 0) nodeTurnMs += now - answeredAt;
      answeredAt = 0;
      writtenAt = now;
      rec.messages.push(commands.map((c) => Buffer.from(c)));
      return request(commands).then((r) => {
        bytesReceived += r.bytes.length + 4;
        return r;
      });
    };
    return launched;
  };
  const cpu0 = childrenCpuSeconds();
  const sys0 = childrenSystemSeconds();
  const node0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    await runSumoClosedLoop({ scenario: { configFile }, seed, control: 'engine' });
  } finally {
    SumoProcess.launch = origLaunch;
  }
  process.stderr.write(`live: this process's turns ${(nodeTurnMs / 1000).toFixed(2)} s, SUMO's turns (write to answer) ${(sumoTurnMs / 1000).toFixed(2)} s\n`);
  const node = process.cpuUsage(node0);
  const bytesSent = rec.messages.reduce((s, m) => s + m.reduce((a, c) => a + c.length, 4), 0);
  return {
    rec,
    timing: { sumoCpuSeconds: childrenCpuSeconds() - cpu0, sumoSystemSeconds: childrenSystemSeconds() - sys0, nodeCpuSeconds: (node.user + node.system) / 1e6, wallSeconds: (performance.now() - t0) / 1000, messages: rec.messages.length, bytesSent, bytesReceived },
  };
}

const LOOP_COMMANDS = new Set<number>([CMD.SUBSCRIBE_INDUCTIONLOOP_VARIABLE, CMD.GET_INDUCTIONLOOP_VARIABLE]);
const SET_COMMANDS = new Set<number>([CMD.SET_TL_VARIABLE]);

/** The loops' subscriptions turned into subscriptions to `variables` instead (to tell a get's cost from its bytes'). */
function withLoopVariables(c: Buffer, variables: number[]): Buffer {
  if (commandId(c) !== CMD.SUBSCRIBE_INDUCTIONLOOP_VARIABLE) return c;
  const body = c[0] === 0 ? c.subarray(6) : c.subarray(2);
  const idLength = body.readInt32BE(16);
  return encodeTraciCommand(CMD.SUBSCRIBE_INDUCTIONLOOP_VARIABLE, Buffer.concat([body.subarray(0, 20 + idLength), Buffer.from([variables.length, ...variables])]));
}

/** The first loop subscription of a message turned into one context subscription (every loop within range of it), the rest dropped. */
function asContext(m: Buffer[]): Buffer[] {
  let done = false;
  const out: Buffer[] = [];
  for (const c of m) {
    if (commandId(c) !== CMD.SUBSCRIBE_INDUCTIONLOOP_VARIABLE) {
      out.push(c);
      continue;
    }
    if (done) continue;
    done = true;
    const body = c[0] === 0 ? c.subarray(6) : c.subarray(2);
    const idLength = body.readInt32BE(16);
    // begin, end, the central loop, then the context domain, its range and the variables
    const w = Buffer.concat([body.subarray(0, 20 + idLength), Buffer.from([CMD.GET_INDUCTIONLOOP_VARIABLE]), tracDouble(1e7), Buffer.from([1, VAR.LAST_STEP_VEHICLE_ID_LIST])]);
    out.push(encodeTraciCommand(0x80, w));
  }
  return out;
}

async function replay(rec: Recording, keepLoops: boolean, keepSets: boolean, loopVariables?: number[], context = false, keepGets = true): Promise<Timing> {
  const cpu0 = childrenCpuSeconds();
  const sys0 = childrenSystemSeconds();
  const node0 = process.cpuUsage();
  const t0 = performance.now();
  const { sumo, client } = await SumoProcess.launch({ args: rec.args, binary: arg('--replay-binary'), startTimeoutMs: 120_000, requestTimeoutMs: 600_000 });
  const connection = connectionOf(client);
  let messages = 0;
  let bytesSent = 0;
  let bytesReceived = 0;
  for (const m0 of rec.messages) {
    const m = context ? asContext(m0) : m0;
    const commands = m
      .filter((c) => (keepLoops || !LOOP_COMMANDS.has(commandId(c))) && (keepSets || !SET_COMMANDS.has(commandId(c))) && (keepGets || commandId(c) !== CMD.GET_INDUCTIONLOOP_VARIABLE))
      .map((c) => (loopVariables ? withLoopVariables(c, loopVariables) : c));
    if (commands.length === 0) continue;
    messages++;
    bytesSent += commands.reduce((a, c) => a + c.length, 4);
    const last = commandId(commands[commands.length - 1]) === CMD.CLOSE;
    const r = await connection.request(commands);
    bytesReceived += r.bytes.length + 4;
    if (last) break;
  }
  await sumo.waitOrKill();
  const node = process.cpuUsage(node0);
  return { sumoCpuSeconds: childrenCpuSeconds() - cpu0, sumoSystemSeconds: childrenSystemSeconds() - sys0, nodeCpuSeconds: (node.user + node.system) / 1e6, wallSeconds: (performance.now() - t0) / 1000, messages, bytesSent, bytesReceived };
}

function alone(rec: Recording): Timing {
  const cpu0 = childrenCpuSeconds();
  const sys0 = childrenSystemSeconds();
  const t0 = performance.now();
  execFileSync(arg('--replay-binary') ?? process.env['SUMO_BINARY'] ?? 'sumo', rec.args, { stdio: 'pipe', env: { ...process.env, SUMO_HOME: process.env['SUMO_HOME'] ?? '/usr/share/sumo' } });
  return { sumoCpuSeconds: childrenCpuSeconds() - cpu0, sumoSystemSeconds: childrenSystemSeconds() - sys0, nodeCpuSeconds: 0, wallSeconds: (performance.now() - t0) / 1000, messages: 0, bytesSent: 0, bytesReceived: 0 };
}

async function main(): Promise<void> {
  const config = arg('--config') ? resolve(arg('--config')!) : speedScenario(resolve('bench/out/sumo-speed'));
  const seed = Number(arg('--seed') ?? 1);
  const variants = (arg('--variants') ?? 'live,alone,steps,+loops,+sets,+loops+sets').split(',');
  const keep = mkdtempSync(join(tmpdir(), 'greenwave-stepcost-'));
  try {
    const rows: string[] = [];
    const row = (name: string, t: Timing) =>
      rows.push(
        `| ${name} | ${t.sumoCpuSeconds.toFixed(2)} | ${(t.sumoSystemSeconds ?? 0).toFixed(2)} | ${t.nodeCpuSeconds.toFixed(2)} | ${t.wallSeconds.toFixed(2)} | ${t.messages} | ${(t.bytesSent / 1e6).toFixed(2)} | ${(t.bytesReceived / 1e6).toFixed(2)} |`,
      );
    const first = await live(config, seed, keep);
    if (variants.includes('live')) row('live engine', first.timing);
    const repeats = Number(arg('--repeats') ?? 1);
    for (let k = 0; k < repeats; k++) for (const v of variants) {
      if (v === 'live') continue;
      if (v === 'alone') row('SUMO alone', alone(first.rec));
      else if (v === 'steps') row('steps', await replay(first.rec, false, false));
      else if (v === '+loops') row('+loops', await replay(first.rec, true, false));
      else if (v === '+sets') row('+sets', await replay(first.rec, false, true));
      else if (v === '+loops+sets') row('+loops+sets', await replay(first.rec, true, true));
      else if (v === '+subs+sets') row('+subs+sets (no occupancy gets)', await replay(first.rec, true, true, undefined, false, false));
      else if (v === '+context+sets') row('+context+sets', await replay(first.rec, true, true, undefined, true));
      else if (v === '+loopcount+sets') row('+loopcount+sets', await replay(first.rec, true, true, [VAR.LAST_STEP_VEHICLE_NUMBER]));
      else throw new Error(`unknown variant '${v}'`);
      process.stderr.write(`${rows[rows.length - 1]}\n`);
    }
    process.stdout.write(
      `${config} (seed ${seed}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})\n| variant | SUMO CPU s | of it system | node CPU s | wall s | messages | MB sent | MB received |\n|---|---:|---:|---:|---:|---:|---:|---:|\n${rows.join('\n')}\n`,
    );
  } finally {
    rmSync(keep, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
