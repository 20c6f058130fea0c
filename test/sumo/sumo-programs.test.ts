import { describe, expect, it } from 'vitest';
import { buildSumoProgram } from '../../adapters/sumo/control/sumo-program-builder.js';
import { transitionState } from '../../adapters/sumo/control/sumo-program-builder.js';
import { maxPressureDecision } from '../../engine/max-pressure/index.js';
import type { SumoSignalExternal } from '../../network-models/importers/sumo/index.js';

// A two-phase signal: links 0,1 north-south, link 2 a crossing, links 3,4 east-west.
const sig: SumoSignalExternal = {
  tlsId: 'J',
  programId: '0',
  programType: 'static',
  junctionIds: ['J'],
  linkCount: 5,
  offsetSeconds: 0,
  movementLinkIndices: { NS: [0, 1], EW: [3, 4] },
  permissivePairs: [],
  phaseStates: {
    p1: {
      green: [
        { state: 'GGGrr', durationSeconds: 30, kind: 'green' },
        { state: 'GGrrr', durationSeconds: 5, kind: 'green' },
      ],
      variableGreenIndex: 0,
      clearance: [
        { state: 'yyrrr', durationSeconds: 3, kind: 'yellow' },
        { state: 'rrrrr', durationSeconds: 2, kind: 'all-red' },
      ],
    },
    p2: { green: [{ state: 'rrrGG', durationSeconds: 25, kind: 'green' }], variableGreenIndex: 0, clearance: [{ state: 'rrryy', durationSeconds: 3, kind: 'yellow' }] },
  },
};

describe('plan to SUMO program', () => {
  it('gives the plan\'s green to the variable segment and keeps the fixed ones and the clearance', () => {
    const b = buildSumoProgram(sig, [
      { phaseId: 'p1', greenSeconds: 20, yellowSeconds: 3, allRedSeconds: 2 },
      { phaseId: 'p2', greenSeconds: 40, yellowSeconds: 3, allRedSeconds: 0 },
    ], 'gw-1');
    expect(b.logic.phases.map((p) => [p.state, p.durationSeconds])).toEqual([
      ['GGGrr', 15],
      ['GGrrr', 5],
      ['yyrrr', 3],
      ['rrrrr', 2],
      ['rrrGG', 40],
      ['rrryy', 3],
    ]);
    expect(b.cycleSeconds).toBe(68);
    expect(b.greenStartIndex).toEqual({ p1: 0, p2: 4 });
    expect(b.variableIndex).toEqual({ p1: 0, p2: 4 });
  });

  it('stretches the clearance to a longer plan clearance and adds an all-red the network lacked', () => {
    const b = buildSumoProgram(sig, [
      { phaseId: 'p1', greenSeconds: 35, yellowSeconds: 4.5, allRedSeconds: 2 },
      { phaseId: 'p2', greenSeconds: 25, yellowSeconds: 3, allRedSeconds: 1 },
    ], 'gw-2');
    expect(b.logic.phases[2]).toMatchObject({ state: 'yyrrr', durationSeconds: 4.5 });
    expect(b.logic.phases.at(-1)).toMatchObject({ state: 'rrrrr', durationSeconds: 1 });
  });

  it('carries actuation bounds as minDur/maxDur of the variable segment in actuated programs', () => {
    const b = buildSumoProgram(sig, [
      { phaseId: 'p1', greenSeconds: 30, yellowSeconds: 3, allRedSeconds: 2, minGreenSeconds: 15, maxGreenSeconds: 45 },
      { phaseId: 'p2', greenSeconds: 25, yellowSeconds: 3, allRedSeconds: 0, minGreenSeconds: 10, maxGreenSeconds: 40 },
    ], 'gw-3', 'actuated');
    expect(b.logic.type).toBe(3);
    expect(b.logic.phases[0]).toMatchObject({ durationSeconds: 25, minDurSeconds: 10, maxDurSeconds: 40 });
    expect(b.logic.phases[1].minDurSeconds).toBeUndefined();
  });
});

describe('max-pressure', () => {
  const phases = [
    { phaseId: 'p1', movementIds: ['NS'], minGreenSeconds: 5, maxGreenSeconds: 60 },
    { phaseId: 'p2', movementIds: ['EW'], minGreenSeconds: 5, maxGreenSeconds: 60 },
  ];
  const mv = (ns: number, ew: number) => [
    { movementId: 'NS', upstreamQueue: ns, downstreamQueuePerLane: 0, saturationFlowVehPerHour: 1800 },
    { movementId: 'EW', upstreamQueue: ew, downstreamQueuePerLane: 0, saturationFlowVehPerHour: 1800 },
  ];
  it('holds the minimum green, then serves the higher pressure', () => {
    expect(maxPressureDecision({ phases, movements: mv(0, 10), currentPhaseId: 'p1', currentGreenSeconds: 3 })).toMatchObject({ phaseId: 'p1', reason: 'min-green' });
    expect(maxPressureDecision({ phases, movements: mv(0, 10), currentPhaseId: 'p1', currentGreenSeconds: 6 })).toMatchObject({ phaseId: 'p2', reason: 'max-pressure' });
    expect(maxPressureDecision({ phases, movements: mv(10, 10.5), currentPhaseId: 'p1', currentGreenSeconds: 6 })).toMatchObject({ phaseId: 'p1', reason: 'hold' });
  });
  it('a blocked exit removes the pressure of a queue', () => {
    const movements = [
      { movementId: 'NS', upstreamQueue: 8, downstreamQueuePerLane: 20, saturationFlowVehPerHour: 1800 },
      { movementId: 'EW', upstreamQueue: 2, downstreamQueuePerLane: 0, saturationFlowVehPerHour: 1800 },
    ];
    expect(maxPressureDecision({ phases, movements, currentPhaseId: 'p1', currentGreenSeconds: 10 }).phaseId).toBe('p2');
  });
  it('clearance between two greens: lost greens go yellow then red, kept greens stay', () => {
    expect(transitionState('GGgrr', 'rrGGG', 'yellow')).toBe('yygrr');
    expect(transitionState('GGgrr', 'rrGGG', 'all-red')).toBe('rrgrr');
  });
});
