import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { readLineBatches, type LineReaderOptions } from '../../adapters/files/index.js';
import { readDayRecordBatches } from '../../adapters/files/index.js';
import { toDayRecord } from '../../adapters/files/index.js';

// Every Worker the module under test starts, to see it end.
const workers = vi.hoisted(() => [] as { exited: boolean }[]);
vi.mock('node:worker_threads', async (original) => {
  const m = await original<typeof import('node:worker_threads')>();
  class TrackedWorker extends m.Worker {
    constructor(...args: ConstructorParameters<typeof m.Worker>) {
      super(...args);
      const state = { exited: false };
      workers.push(state);
      this.once('exit', () => (state.exited = true));
    }
  }
  return { ...m, Worker: TrackedWorker };
});

const root = fileURLToPath(new URL('../..', import.meta.url));

type Event = { batch: number } | { line: unknown } | { warning: unknown };

/** What `greenwave replay` made of a day file before the worker: the lines parsed in process. */
async function inProcess(path: string): Promise<{ events: Event[]; bytes: number }> {
  const events: Event[] = [];
  let bytes = 0;
  const options: LineReaderOptions = { onWarning: (warning) => events.push({ warning }), onBytes: (b) => (bytes = b) };
  for await (const batch of readLineBatches(path, options)) {
    events.push({ batch: batch.firstLineNo });
    for (let i = 0; i < batch.lines.length; i++) {
      const lineNo = batch.firstLineNo + i;
      const text = batch.lines[i];
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        events.push({ line: { kind: 'json', lineNo, message: `not valid JSON: ${(err as Error).message}` } });
        continue;
      }
      const record = toDayRecord(value);
      events.push({ line: record ?? { kind: 'not-record', lineNo, message: 'not a day record (need kind and atMs) nor a count with a timestamp' } });
    }
  }
  return { events, bytes };
}

/** With `reuseRecords`, each record is copied as it is read (it is valid until the next line only). */
async function throughWorker(path: string, reuseRecords = false): Promise<{ events: Event[]; bytes: number; objects: number }> {
  const events: Event[] = [];
  const objects = new Set<unknown>();
  let bytes = 0;
  for await (const batch of readDayRecordBatches(path, { onWarning: (warning) => events.push({ warning }), onBytes: (b) => (bytes = b), reuseRecords })) {
    events.push({ batch: batch.firstLineNo });
    for (const line of batch) {
      if (line.kind === 'count') objects.add(line);
      events.push({ line: reuseRecords ? structuredClone(line) : line });
    }
  }
  return { events, bytes, objects: objects.size };
}

/**
 * The events without the batches' starts (the worker packs text parsed in small pieces into batches of its own
 * size, so its batches start elsewhere), after checking those starts: increasing, and each line number a
 * problem names within its batch.
 */
function linesAndWarnings(events: Event[]): Event[] {
  let first = -Infinity;
  for (const e of events) {
    if ('batch' in e) {
      expect(e.batch).toBeGreaterThan(first);
      first = e.batch;
    } else if ('line' in e && typeof (e.line as { lineNo?: unknown }).lineNo === 'number') expect((e.line as { lineNo: number }).lineNo).toBeGreaterThanOrEqual(first);
  }
  return events.filter((e) => !('batch' in e));
}

/** Same values, same keys (none undefined where absent), in the same order. */
function expectIdentical(a: unknown, b: unknown): void {
  expect(a).toStrictEqual(b);
  expect(JSON.stringify(a)).toBe(JSON.stringify(b));
}

describe('day records read on a worker thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-day-batches-'));
  const t0 = Date.UTC(2026, 10, 23, 7);
  // Several MiB, so several batches, with new detector ids appearing in later ones.
  const lines: string[] = [];
  for (let i = 0; i < 40_000; i++) {
    const t = t0 + i * 1000;
    const id = `IA${i % 50}:E${Math.floor(i / 5000)}:stop`;
    const count = { detectorId: id, timestamp: t, count: i % 7, occupancy: (i % 100) / 100, intervalSeconds: 60 };
    switch (i % 40) {
      case 1: // no occupancy
        lines.push(JSON.stringify({ kind: 'count', atMs: t, record: { detectorId: id, timestamp: t, count: 3, intervalSeconds: 60 } }));
        break;
      case 2: // extra key
        lines.push(JSON.stringify({ kind: 'count', atMs: t, record: { ...count, lane: 2 } }));
        break;
      case 3: // other key order
        lines.push(JSON.stringify({ kind: 'count', atMs: t, record: { detectorId: id, timestamp: t, count: 1, intervalSeconds: 60, occupancy: 0.5 } }));
        break;
      case 4: // other types: string timestamp, string count, null record, an extra top-level key
        lines.push(JSON.stringify({ kind: 'count', atMs: t, record: { ...count, timestamp: new Date(t).toISOString() } }));
        lines.push(JSON.stringify({ kind: 'count', atMs: t, record: { ...count, count: '4' } }));
        lines.push(JSON.stringify({ kind: 'count', atMs: t, record: null }));
        lines.push(JSON.stringify({ kind: 'count', atMs: t, record: count, source: 'ws' }));
        break;
      case 5: // bare counts, as `plan` and `synth-counts` write them
        lines.push(JSON.stringify(count));
        lines.push(JSON.stringify({ ...count, timestamp: new Date(t).toISOString() }));
        break;
      case 6:
        lines.push(JSON.stringify({ kind: 'plan', atMs: t, plan: { intersectionId: 'IA1', version: i, cycleSeconds: 90 } }));
        lines.push(JSON.stringify({ kind: 'ack', atMs: t, intersectionId: 'IA1', version: i, accepted: true }));
        lines.push(JSON.stringify({ kind: 'fault', atMs: t, event: { type: 'detector-fault', detectorId: id, fault: 'silent' } }));
        lines.push(JSON.stringify({ kind: 'phase', atMs: t, intersectionId: 'IA1', phaseId: 'P2', state: 'green' }));
        break;
      case 7:
        lines.push('{"kind":"count","atMs":'); // malformed JSON
        lines.push('[1, 2, 3]'); // JSON, not a record
        lines.push('{"kind":"nope","atMs":1}');
        lines.push('');
        lines.push('   ');
        break;
      case 8: // non-ASCII id, negative zero, a CRLF line end
        lines.push(JSON.stringify({ kind: 'count', atMs: t, record: { ...count, detectorId: 'Zürich→1' } }));
        lines.push(`{"kind":"count","atMs":${t},"record":{"detectorId":"${id}","timestamp":${t},"count":-0,"occupancy":0,"intervalSeconds":60}}\r`);
        break;
      default:
        lines.push(JSON.stringify({ kind: 'count', atMs: t, record: count }));
    }
  }
  const text = `${lines.join('\n')}\n{"kind":"count","atMs":${t0},"rec`; // torn last line

  it('gives exactly the records, problems, warnings and order of parsing in process: plain, gzip, truncated gzip', async () => {
    const plain = join(dir, 'day.ndjson');
    const gz = join(dir, 'day.ndjson.gz');
    const cut = join(dir, 'cut.ndjson.gz');
    writeFileSync(plain, text);
    writeFileSync(gz, gzipSync(text));
    writeFileSync(cut, gzipSync(text));
    truncateSync(cut, statSync(cut).size - 1000);
    for (const path of [plain, gz, cut]) {
      const expected = await inProcess(path);
      const got = await throughWorker(path);
      expect(expected.events.filter((e) => 'batch' in e).length).toBeGreaterThan(3);
      expect(expected.events.filter((e) => 'warning' in e).length).toBeGreaterThan(0);
      expect(got.events.filter((e) => 'batch' in e).length).toBeGreaterThan(3);
      expectIdentical(linesAndWarnings(got.events), linesAndWarnings(expected.events));
      expect(got.bytes).toBe(expected.bytes);
      expect(got.bytes).toBe(statSync(path).size);
    }
  });

  it('with reused count records, each one read is the record parsing in process gives', async () => {
    const gz = join(dir, 'reused.ndjson.gz');
    writeFileSync(gz, gzipSync(text));
    const expected = await inProcess(gz);
    const got = await throughWorker(gz, true);
    expect(got.events.filter((e) => 'batch' in e).length).toBeGreaterThan(3);
    expectIdentical(linesAndWarnings(got.events), linesAndWarnings(expected.events));
    // Packed counts come in two reused objects (with and without occupancy); the others (a sixth of this
    // file's counts: other key orders, types, extra keys) as parsed.
    const fresh = await throughWorker(gz);
    expect(got.objects).toBeLessThan(fresh.objects / 4);
  });

  it('fails with the error reading the file in process gives', async () => {
    for (const path of [join(dir, 'missing.ndjson'), dir]) {
      const expected = await inProcess(path).catch((err: Error) => err.message);
      expect(expected).toMatch(/^(ENOENT|EISDIR)/);
      await expect(throughWorker(path)).rejects.toThrow(expected as string);
    }
  });

  it('a batch read after the next one was taken fails loudly (its array went back to the worker)', async () => {
    const path = join(dir, 'twice.ndjson');
    writeFileSync(path, text);
    const batches = readDayRecordBatches(path);
    const first = (await batches.next()).value!;
    await batches.next();
    expect(() => [...first]).toThrow('day record batch read after the next batch was taken');
    await batches.return(undefined);
  });

  it('stopping early ends the worker thread, and the process exits', async () => {
    const path = join(dir, 'stop.ndjson');
    writeFileSync(path, text);
    const before = workers.length;
    const batches = readDayRecordBatches(path);
    const first = await batches.next();
    expect(first.done).toBe(false);
    expect(workers).toHaveLength(before + 1);
    expect(workers[before].exited).toBe(false);
    await batches.return(undefined);
    expect(workers[before].exited).toBe(true);

    const script = `import { readDayRecordBatches } from './adapters/files/day-record-batches.ts';
      for await (const batch of readDayRecordBatches(${JSON.stringify(path)})) break;
      process.stdout.write('stopped');`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect([r.stdout, r.status]).toEqual(['stopped', 0]);
  });
});
