import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { arterialCorridorNetwork, DEMO_NETWORKS, gridCityNetwork } from '../../network-models/demo/demo-networks.js';
import { NetworkLoadError, parseNetwork, validateNetwork } from '../../network-models/load-network.js';
import { formatProblem } from '../../network-models/validation-problem.js';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));
const problemsOf = (doc: unknown) => {
  const r = validateNetwork(doc);
  return r.ok ? [] : r.problems.map(formatProblem);
};

describe('network file loading', () => {
  it('accepts both demo networks, and the committed files are what the builders produce', () => {
    for (const { file, build } of Object.values(DEMO_NETWORKS)) {
      const text = readFileSync(new URL(`../../network-models/demo/${file}`, import.meta.url), 'utf8');
      expect(parseNetwork(text, file)).toEqual(build());
    }
    expect(arterialCorridorNetwork().intersections).toHaveLength(6);
    expect(gridCityNetwork().intersections).toHaveLength(16);
  });

  it('reports every problem with its path and value, not just the first', () => {
    const net = clone(gridCityNetwork());
    net.intersections[3].phases[1].minGreenSeconds = -2;
    net.links[0].lanes = 0;
    const problems = problemsOf(net);
    expect(problems).toContain('intersections[3].phases[1].minGreenSeconds = -2: Too small: expected number to be >=0');
    expect(problems.some((p) => p.startsWith('links[0].lanes = 0:'))).toBe(true);
  });

  it('rejects a phase that serves two conflicting movements', () => {
    const net = clone(arterialCorridorNetwork());
    const x = net.intersections[2];
    const [a, b] = x.conflicts[0];
    x.phases[0].movementIds.push(a, b);
    expect(problemsOf(net)).toContain(`intersections[2].phases[0].movementIds = ${JSON.stringify([a, b])}: phase serves two conflicting movements`);
  });

  it('rejects a detector on an unknown lane and a movement nobody serves', () => {
    const net = clone(arterialCorridorNetwork());
    net.detectors[0].laneIndex = 7;
    const x = net.intersections[0];
    const lonely = x.movements[0].id;
    for (const p of x.phases) p.movementIds = p.movementIds.filter((m) => m !== lonely);
    const problems = problemsOf(net);
    expect(problems.some((p) => p.startsWith('detectors[0].laneIndex = 7: unknown lane'))).toBe(true);
    expect(problems).toContain(`intersections[0].movements[0].id = "${lonely}": movement is served by no phase`);
  });

  it('rejects fallback plans whose arithmetic does not add up, and unknown references', () => {
    const net = clone(gridCityNetwork());
    net.intersections[0].fallbackPlans[0].cycleSeconds += 7;
    net.intersections[0].movements[0].fromLinkId = 'nowhere';
    const problems = problemsOf(net);
    expect(problems.some((p) => p.startsWith('intersections[0].fallbackPlans[0].cycleSeconds') && p.includes('must equal the sum'))).toBe(true);
    expect(problems).toContain('intersections[0].movements[0].fromLinkId = "nowhere": unknown link');
  });

  it('names the source and every problem in the thrown error', () => {
    expect(() => parseNetwork('{"format":"greenwave-network","version":2}', 'city.json')).toThrowError(NetworkLoadError);
    try {
      parseNetwork('{not json', 'city.json');
    } catch (err) {
      expect((err as NetworkLoadError).code).toBe('GW_ERR_NETWORK_INVALID');
      expect((err as Error).message).toMatch(/^city\.json: 1 problem\n {2}\(root\) = .*not valid JSON/);
    }
  });
});
