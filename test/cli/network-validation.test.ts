import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arterialCorridorNetwork, validateNetwork } from '../../network-models/index.js';
import { runCli } from '../fixtures/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'greenwave-network-validation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The example of docs/network-format.md ("Validation"): its expected output, line by line. */
function documentedExample(): string[] {
  const doc = readFileSync(new URL('../../docs/network-format.md', import.meta.url), 'utf8');
  const block = /## Validation[\s\S]*?```\n([\s\S]*?)```/.exec(doc);
  if (!block) throw new Error('docs/network-format.md: no example under "## Validation"');
  return block[1].trim().split('\n');
}

describe('network validation reports every problem in one pass', () => {
  it("reproduces the documentation's three-problem example exactly (a structural problem used to hide the other two)", () => {
    const net = arterialCorridorNetwork() as unknown as { intersections: Array<{ phases: Array<{ minGreenSeconds: number }> }>; detectors: Array<{ id: string; laneIndex: number }> };
    net.intersections[3].phases[1].minGreenSeconds = -2;
    net.detectors[1].id = net.detectors[0].id;
    net.detectors[0].laneIndex = 7;
    const file = join(dir, 'city.json');
    writeFileSync(file, JSON.stringify(net));
    const r = runCli(['plan', '--network', file, '--counts', join(dir, 'unused.ndjson')]);
    expect(r.status).toBe(2);
    const expected = documentedExample();
    expect(expected[0]).toBe('city.json: 3 problems');
    expect(r.stderr).toContain(`greenwave plan: ${file}: 3 problems\n${expected.slice(1).join('\n')}\n`);
  });

  it('still reports only the structure when the document is too broken for the semantic rules', () => {
    const r = validateNetwork({ format: 'greenwave-network', version: 1, name: 'x', intersections: 'none', links: [], detectors: [] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.path)).toEqual(['intersections']);
  });
});
