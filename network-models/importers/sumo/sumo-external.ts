/**
 * SUMO data the importer keeps in the network file's `external` fields, so that a SUMO adapter can drive the
 * original signals: which TLS link indices make up each movement, and the SUMO states behind each engine phase.
 */

export type SumoSegmentKind = 'green' | 'yellow' | 'all-red';

/** One SUMO phase (a state string held for a duration). */
export interface SumoStateSegment {
  state: string;
  durationSeconds: number;
  kind: SumoSegmentKind;
}

/** The SUMO states that make up one engine phase: its green part, then its clearance to the next phase. */
export interface SumoPhaseStates {
  green: SumoStateSegment[];
  /** Index in `green` of the segment whose duration follows the plan; the others keep their durations. */
  variableGreenIndex: number;
  clearance: SumoStateSegment[];
}

export interface SumoSignalExternal {
  tlsId: string;
  programId: string;
  programType: string;
  junctionIds: string[];
  /** Length of the TLS state string. */
  linkCount: number;
  offsetSeconds: number;
  movementLinkIndices: Record<string, number[]>;
  phaseStates: Record<string, SumoPhaseStates>;
  /** Foe movement pairs the original program lets run together (one yields): permissive, not conflicts. */
  permissivePairs: Array<[string, string]>;
  /**
   * Per controlled movement, the movements at the signal it does not control that must give way to it (a
   * motorway past a ramp meter, a slip lane): traffic outside the model that waits while the movement is green.
   */
  unmodelledYieldersByMovement?: Record<string, string[]>;
  /** Movements that give way to a pedestrian crossing of their junction (turns across a crosswalk). */
  movementsYieldingToPedestrians?: string[];
  /** Where each of those unmodelled movements comes from: its link and the network lane indices on it. */
  unmodelledYielderLanes?: Record<string, { linkId: string; laneIndices: number[] }>;
}

export interface SumoNetworkExternal {
  /** For each link (SUMO edge), the SUMO lane index of each network lane index (vehicle lanes only). */
  sumoLaneIndexByLink: Record<string, number[]>;
  /** SUMO lane id of every generated detector. */
  detectorLaneIds: Record<string, string>;
  /** Position along the SUMO lane of every generated detector, metres from the lane start. */
  detectorPositions: Record<string, number>;
}

/** Reads the SUMO signal data the importer stored on an intersection, or undefined if it has none. */
export function sumoSignalOf(external: Record<string, unknown> | undefined): SumoSignalExternal | undefined {
  const s = external?.['sumo'] as SumoSignalExternal | undefined;
  return s && typeof s === 'object' && typeof s.tlsId === 'string' ? s : undefined;
}

export function sumoNetworkOf(external: Record<string, unknown> | undefined): SumoNetworkExternal | undefined {
  const s = external?.['sumo'] as SumoNetworkExternal | undefined;
  return s && typeof s === 'object' && typeof s.sumoLaneIndexByLink === 'object' ? s : undefined;
}
