import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { arterialCorridorNetwork, SyntheticDemand } from '../../network-models/index.js';
import { buildProgram } from '../../cli/program.js';
import { EXIT_CODES_HELP } from '../../cli/cli-errors.js';
import { cliArgv, cliWorkDir, runCliAsync, type CliResult } from '../fixtures/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'greenwave-cli-edges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** No stack trace may reach a user: no "    at fn (file:line)" lines, no "node:internal". */
function expectNoStackTrace(r: CliResult): void {
  expect(r.stderr).not.toMatch(/^\s+at .+[:(]/m);
  expect(r.stderr).not.toContain('node:internal');
}

function expectRefused(r: CliResult, command: string, text: string | RegExp): void {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^greenwave ${command}: `));
  if (typeof text === 'string') expect(r.stderr).toContain(text);
  else expect(r.stderr).toMatch(text);
  expectNoStackTrace(r);
}

/** Runs a command that must end by itself; kills it (and fails) if it has not ended within the time. */
async function runToEnd(args: string[], timeoutMs = 40_000): Promise<CliResult> {
  const child = spawn(process.execPath, cliArgv(args), { cwd: cliWorkDir() });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [status] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { status, stdout, stderr: status === null ? `${stderr}\n(killed: still running after ${timeoutMs} ms)` : stderr };
}

/** Reads the first line of the command's output, then closes the pipe, as `| head -1` does. */
async function firstLineThenClose(args: string[]): Promise<{ line: string; status: number | null; stderr: string }> {
  const child = spawn(process.execPath, cliArgv(args), { cwd: cliWorkDir() });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let buffered = '';
  const line = await new Promise<string>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      const end = buffered.indexOf('\n');
      if (end >= 0) {
        child.stdout.destroy();
        resolve(buffered.slice(0, end));
      }
    });
  });
  const [status] = (await once(child, 'exit')) as [number | null];
  return { line, status, stderr };
}

function countsFile(): string {
  const network = arterialCorridorNetwork();
  const start = Date.parse('2026-11-23T06:00:00Z');
  const path = join(dir, 'counts.ndjson');
  const lines = [...new SyntheticDemand(network, { seed: 1 }).day(start, start + 20 * 60_000, 60)].map((c) => JSON.stringify({ ...c, timestamp: new Date(c.timestamp).toISOString() }));
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('greenwave CLI edges: one exit-code contract, one error style, no stack traces', () => {
  it('names the exit codes in the help of the program and of every command', () => {
    const program = buildProgram();
    for (const command of [program, ...program.commands]) {
      let help = '';
      command.configureOutput({ writeOut: (s) => (help += s), writeErr: (s) => (help += s) });
      command.outputHelp();
      expect(help, command.name()).toContain(EXIT_CODES_HELP.trim());
    }
  });

  it('rejects bad option values naming the option, the value and the limit (exit 2, was exit 0 or 1)', async () => {
    const counts = countsFile();
    const [seed, scale, date, period, missing, unknownOption, pcd] = await Promise.all([
      runCliAsync(['synth-counts', '--network', 'demo:arterial', '--seed', 'abc']),
      runCliAsync(['synth-counts', '--network', 'demo:arterial', '--scale', '-1']),
      runCliAsync(['synth-counts', '--network', 'demo:arterial', '--date', '2026-13-45']),
      runCliAsync(['plan', '--network', 'demo:arterial', '--counts', counts, '--period', '0']),
      runCliAsync(['plan', '--counts', counts]),
      runCliAsync(['synth-counts', '--network', 'demo:arterial', '--sed', '3']),
      runCliAsync(['replay', '--network', 'demo:arterial', '--input', counts, '--out', join(dir, 'pcd-out'), '--pcd', 'IA1,IA9', '--no-progress']),
    ]);
    expectRefused(seed, 'synth-counts', '--seed = abc: must be a whole number in 0..4294967295');
    expectRefused(scale, 'synth-counts', '--scale = -1: must be a number more than 0 and at most 10');
    expectRefused(date, 'synth-counts', '--date = 2026-13-45: must be a calendar date YYYY-MM-DD');
    expect(date.stderr).not.toContain('--from');
    expectRefused(period, 'plan', '--period = 0: must be a number in 1..3600');
    expectRefused(missing, 'plan', "required option '--network <file>' not specified");
    expectRefused(unknownOption, 'synth-counts', "unknown option '--sed'");
    expectRefused(pcd, 'replay', /--pcd = IA1,IA9: no intersection IA9 in .*\(it has IA1, IA2/);
  }, 120_000);

  it('turns EISDIR and EEXIST into sentences naming the option and the path', async () => {
    const counts = countsFile();
    const folder = join(dir, 'a-folder');
    mkdirSync(folder, { recursive: true });
    const file = join(dir, 'a-file.txt');
    writeFileSync(file, 'x');
    const [plan, importSumo, replay] = await Promise.all([
      runCliAsync(['plan', '--network', 'demo:arterial', '--counts', folder]),
      runCliAsync(['import-sumo', join(dir, 'any.net.xml'), '-o', folder]),
      runCliAsync(['replay', '--network', 'demo:arterial', '--input', counts, '--out', file, '--no-progress']),
    ]);
    expectRefused(plan, 'plan', `--counts ${folder}: not a file`);
    expectRefused(importSumo, 'import-sumo', `-o/--output ${folder}: is a directory`);
    expectRefused(replay, 'replay', `--out ${file}: exists and is not a directory`);
    for (const r of [plan, importSumo, replay]) expect(r.stderr).not.toMatch(/^Error: E(ISDIR|EXIST)/m);
  }, 120_000);

  it('ends quietly with exit 0 when the reader of its output goes away (| head -1), instead of an EPIPE trace', async () => {
    const counts = countsFile();
    const [synth, plan] = await Promise.all([
      firstLineThenClose(['synth-counts', '--network', 'demo:grid', '--from', '00:00', '--to', '24:00']),
      firstLineThenClose(['plan', '--network', 'demo:arterial', '--counts', counts, '--all']),
    ]);
    for (const r of [synth, plan]) {
      expect(() => JSON.parse(r.line)).not.toThrow();
      expect(r.stderr).not.toContain('EPIPE');
      expect(r.status).toBe(0);
    }
  }, 120_000);

  it('start exits 2 when its port is taken (it used to print the message and run on)', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runToEnd(['start', '--demo', '--port', String(port), '--no-record', '--log-format', 'json']);
      expectRefused(r, 'start', `port ${port} on 127.0.0.1 is in use`);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('start refuses a configuration file with a negative smoothingSeconds, a misspelt engine key or a misspelt limit, naming each', async () => {
    const bad = join(dir, 'bad-config.json');
    writeFileSync(bad, JSON.stringify({ engine: { smoothingSeconds: -5, silentAfterSecond: 100, optimizer: { maxCycleSecond: 90 } }, limits: { maxClient: 10 } }));
    const r = await runToEnd(['start', '--demo', '--config', bad, '--port', '0', '--no-record']);
    expectRefused(r, 'start', `--config ${bad}: 4 problems, not started`);
    expect(r.stderr).toContain('engine.smoothingSeconds = -5: Too small');
    expect(r.stderr).toContain('engine.silentAfterSecond: unknown key (did you mean silentAfterSeconds?)');
    expect(r.stderr).toContain('engine.optimizer.maxCycleSecond: unknown key (did you mean maxCycleSeconds?)');
    expect(r.stderr).toContain('limits.maxClient: unknown key (did you mean maxClients?)');
    const crossed = join(dir, 'crossed-config.json');
    writeFileSync(crossed, JSON.stringify({ engine: { optimizer: { minCycleSeconds: 150 } }, limits: { maxBatchRecords: 20_000 } }));
    const r2 = await runToEnd(['start', '--demo', '--config', crossed, '--port', '0', '--no-record']);
    expectRefused(r2, 'start', 'minCycleSeconds must be <= maxCycleSeconds');
    expect(r2.stderr).toContain('maxRecordsPerSecond (10000) must be >= maxBatchRecords (20000)');
  }, 90_000);

  it('reports an unreadable input as a sentence, never a stack trace', async () => {
    const notGzip = join(dir, 'counts.ndjson.gz');
    writeFileSync(notGzip, 'this is not gzip\n');
    const r = await runToEnd(['plan', '--network', 'demo:arterial', '--counts', notGzip]);
    expectRefused(r, 'plan', 'incorrect header check');
  }, 60_000);
});
