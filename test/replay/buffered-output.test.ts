import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferedOutput } from '../../replay/buffered-output.js';

const dir = mkdtempSync(join(tmpdir(), 'gw-buffered-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('BufferedOutput: text encoded straight into buffers', () => {
  // Texts of every kind: ASCII (most lines), Latin-1, the reasons' arrows, astral characters, lone surrogates
  // (written as U+FFFD, as the stream writes them), and lines longer than a buffer (written alone, in order).
  const text = fc.oneof(
    { weight: 6, arbitrary: fc.string({ maxLength: 300 }) },
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
    { weight: 2, arbitrary: fc.constantFrom('cycle 60 → 50 s', 'veh·h', 'é', '\u{1F6A6}', '\ud83d', '') },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 20_000, max: 200_000 }), fc.constantFrom('x', '→', '\u{1F6A6}')).map(([n, c]) => c.repeat(n)) },
  );
  const op = fc.record({ line: fc.boolean(), text });

  it('writes the bytes the texts are in UTF-8, each text on its own, in order, through flushes', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 400 }), async (ops) => {
        const path = join(dir, `out-${run++}.txt`);
        const out = new BufferedOutput(path);
        for (const o of ops) (o.line ? out.writeLine(o.text) : out.write(o.text));
        await out.end();
        const expected = Buffer.concat(ops.map((o) => Buffer.from(o.line ? `${o.text}\n` : o.text, 'utf8')));
        expect(readFileSync(path).equals(expected)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('writes what a string join would, for a day of plan lines across many buffers', async () => {
    const path = join(dir, 'plans.ndjson');
    const out = new BufferedOutput(path);
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const line = JSON.stringify({ intersectionId: `I${i % 100}`, version: i, reason: i % 3 === 0 ? `cycle ${60 + (i % 7)} → 50 s` : 'kept' });
      lines.push(line);
      out.writeLine(line);
    }
    await out.end();
    expect(readFileSync(path, 'utf8')).toBe(lines.map((l) => `${l}\n`).join(''));
  });
});
