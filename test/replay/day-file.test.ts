import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DayFileWriter } from '../../adapters/files/index.js';
import { readLineBatches, readLines, type LineWarning } from '../../adapters/files/index.js';
import type { DayRecord } from '../../adapters/files/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function readAll(path: string): Promise<{ lines: string[]; warnings: LineWarning[] }> {
  const lines: string[] = [];
  const warnings: LineWarning[] = [];
  for await (const [, text] of readLines(path, { onWarning: (w) => warnings.push(w) })) lines.push(text);
  return { lines, warnings };
}

describe('day files', () => {
  it('rotate at local midnight, append one gzip member per flush, and read back in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-day-'));
    const scheduler = new VirtualTimeScheduler();
    const w = new DayFileWriter({ directory: dir, timeZone: 'America/New_York', scheduler, flushIntervalMs: 1000 });
    // 23:59:58 to 00:00:02 New York time on 2026-11-23/24 (UTC-5).
    const midnight = Date.UTC(2026, 10, 24, 5, 0, 0);
    for (let s = -2; s < 2; s++) w.write({ kind: 'count', atMs: midnight + s * 1000, record: { s } });
    w.close();
    expect(readdirSync(dir).sort()).toEqual(['greenwave-2026-11-23.ndjson.gz', 'greenwave-2026-11-24.ndjson.gz']);
    const before = await readAll(join(dir, 'greenwave-2026-11-23.ndjson.gz'));
    const after = await readAll(join(dir, 'greenwave-2026-11-24.ndjson.gz'));
    expect(before.lines.map((l) => (JSON.parse(l) as { record: { s: number } }).record.s)).toEqual([-2, -1]);
    expect(after.lines.map((l) => (JSON.parse(l) as { record: { s: number } }).record.s)).toEqual([0, 1]);

    // A second writer (a restart) appends to the same day's file, never rewrites it.
    const size = statSync(join(dir, 'greenwave-2026-11-24.ndjson.gz')).size;
    const w2 = new DayFileWriter({ directory: dir, timeZone: 'America/New_York', scheduler });
    w2.write({ kind: 'ack', atMs: midnight + 5000, intersectionId: 'X', version: 1, accepted: true });
    w2.close();
    const file = readFileSync(join(dir, 'greenwave-2026-11-24.ndjson.gz'));
    expect(file.length).toBeGreaterThan(size);
    expect(gunzipSync(file).toString().trim().split('\n')).toHaveLength(3);
  });

  it('flush on the scheduler: nothing is written before the period, everything after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-day-'));
    const scheduler = new VirtualTimeScheduler();
    const w = new DayFileWriter({ directory: dir, scheduler, flushIntervalMs: 500 });
    w.write({ kind: 'count', atMs: Date.UTC(2026, 0, 1), record: {} });
    const path = join(dir, 'greenwave-2026-01-01.ndjson.gz');
    expect(statSync(path).size).toBe(0);
    scheduler.maxFrames = 600;
    scheduler.flush();
    expect(gunzipSync(readFileSync(path)).toString()).toContain('"kind":"count"');
    expect(w.counters.flushes).toBe(1);
    w.close();
  });

  it('a torn last line is skipped with a warning, not fatal (gzip cut mid-member, and plain text)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-day-'));
    const w = new DayFileWriter({ directory: dir, scheduler: new VirtualTimeScheduler() });
    const day = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 50; i++) w.write({ kind: 'count', atMs: day + i, record: { i } });
    w.flush();
    for (let i = 50; i < 100; i++) w.write({ kind: 'count', atMs: day + i, record: { i, pad: 'x'.repeat(200) } });
    w.close();
    const path = join(dir, 'greenwave-2026-01-01.ndjson.gz');
    truncateSync(path, statSync(path).size - 30);
    const r = await readAll(path);
    expect(r.lines.length).toBeGreaterThanOrEqual(50);
    expect(r.lines.length).toBeLessThan(100);
    r.lines.forEach((l, i) => expect((JSON.parse(l) as DayRecord & { record: { i: number } }).record.i).toBe(i));
    expect(r.warnings.map((x) => x.code)).toContain('GW_REPLAY_TRUNCATED_GZIP');

    const plain = join(dir, 'plain.ndjson');
    writeFileSync(plain, '{"a":1}\n{"a":2}\n{"a":');
    const p = await readAll(plain);
    expect(p.lines).toEqual(['{"a":1}', '{"a":2}']);
    expect(p.warnings).toEqual([expect.objectContaining({ code: 'GW_REPLAY_TORN_LINE', lineNo: 3 })]);
  });

  it('keeps a whole last line without its newline: CSV event logs, plain and gzipped, and gzipped NDJSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-lastline-'));
    const csv = 'SignalID,Timestamp,EventCode,EventParam\r\n1,2026-11-23 07:00:00.0,1,2\r\n1,2026-11-23 07:00:10.0,82,5';
    const expected = ['SignalID,Timestamp,EventCode,EventParam', '1,2026-11-23 07:00:00.0,1,2', '1,2026-11-23 07:00:10.0,82,5'];
    writeFileSync(join(dir, 'log.csv'), csv);
    writeFileSync(join(dir, 'log.csv.gz'), gzipSync(csv));
    writeFileSync(join(dir, 'day.ndjson.gz'), gzipSync('{"a":1}\n{"a":2}'));
    for (const name of ['log.csv', 'log.csv.gz']) {
      const r = await readAll(join(dir, name));
      expect(r.lines, name).toEqual(expected);
      expect(r.warnings, name).toEqual([]);
    }
    const nd = await readAll(join(dir, 'day.ndjson.gz'));
    expect(nd.lines).toEqual(['{"a":1}', '{"a":2}']);
    expect(nd.warnings).toEqual([]);
  });

  it('reads non-ASCII text whole, even a character split across two read chunks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-utf8-'));
    const file = join(dir, 'day.ndjson');
    // "→" is 3 bytes in UTF-8: place one so that it straddles the 1 MiB chunk boundary, with ASCII chunks around.
    const filler = 'x'.repeat(100);
    const lines: string[] = [];
    let bytes = 0;
    while (bytes < (1 << 20) - 200) {
      const l = JSON.stringify({ id: filler });
      lines.push(l);
      bytes += l.length + 1;
    }
    const pad = (1 << 20) - bytes - '{"id":"'.length - 1;
    lines.push(JSON.stringify({ id: `${'y'.repeat(pad)}→é` }));
    for (let i = 0; i < 20_000; i++) lines.push(JSON.stringify({ id: filler }));
    lines.push(JSON.stringify({ id: 'end ✓' }));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const got = await readAll(file);
    expect(got.lines).toEqual(lines);
    expect(got.warnings).toEqual([]);
  });

  it('in small pieces (pieceBytes): the same lines and numbers, each batch no more than a piece unless one line is longer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-pieces-'));
    const lines: string[] = [];
    for (let i = 0; i < 3_000; i++) lines.push(i % 97 === 0 ? '' : i % 89 === 0 ? `{"id":"${'→é'.repeat(i % 50)}"}\r` : JSON.stringify({ id: 'x'.repeat(i % 300), i }));
    const text = `${lines.join('\n')}\n{"id":"torn`;
    const plain = join(dir, 'day.ndjson');
    const gz = join(dir, 'day.ndjson.gz');
    writeFileSync(plain, text);
    writeFileSync(gz, gzipSync(text));
    const read = async (path: string, pieceBytes?: number) => {
      const got: string[] = [];
      const warnings: LineWarning[] = [];
      for await (const batch of readLineBatches(path, { pieceBytes, onWarning: (w) => warnings.push(w) })) {
        expect(batch.firstLineNo).toBe(got.length + 1);
        got.push(...batch.lines);
        // A batch holds one piece's lines, and the start of its first line, which the piece before cut off.
        const bytes = batch.lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
        const longestLine = Math.max(...batch.lines.map((l) => Buffer.byteLength(l) + 2));
        if (pieceBytes !== undefined) expect(bytes).toBeLessThanOrEqual(pieceBytes + longestLine);
      }
      return { got, warnings };
    };
    for (const path of [plain, gz]) {
      const whole = await read(path);
      expect(whole.got).toEqual(lines.map((l) => l.replace(/\r$/, '')));
      expect(whole.warnings.map((w) => w.code)).toEqual(['GW_REPLAY_TORN_LINE']);
      for (const pieceBytes of [1, 7, 500, 4096]) {
        const pieces = await read(path, pieceBytes);
        expect(pieces.got).toEqual(whole.got);
        expect(pieces.warnings).toEqual(whole.warnings);
      }
    }
  });

  it(
    'a process killed with SIGKILL loses at most the last flush interval of records',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gw-crash-'));
      const flushMs = 200;
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/replay/fixtures/record-child.ts', dir, String(flushMs)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 1200));
      const killedAt = Date.now();
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const [file] = readdirSync(dir);
      const { lines } = await readAll(join(dir, file));
      const records = lines.map((l) => JSON.parse(l) as { atMs: number; record: { seq: number } });
      expect(records.length).toBeGreaterThan(100);
      records.forEach((r, i) => expect(r.record.seq).toBe(i)); // a contiguous prefix: nothing lost in the middle
      const lost = killedAt - records[records.length - 1].atMs;
      // The bound is flushMs; the slack covers the timer's lateness on a loaded machine.
      expect(lost).toBeLessThan(flushMs + 400);
    },
    30_000,
  );
});
