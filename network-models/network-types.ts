/**
 * The Greenwave network file format, version 1 (documented in docs/network-format.md).
 * Plain data: everything here is JSON-serialisable. Units are in the field names.
 */

export const NETWORK_FORMAT = 'greenwave-network' as const;
export const NETWORK_FORMAT_VERSION = 1 as const;

export type TurnKind = 'left' | 'through' | 'right' | 'uturn';
export type DetectorKind = 'stop-line' | 'advance';
export type IntersectionControl = 'signalized' | 'unsignalized';

export interface Position {
  /** Local projected coordinates in metres (east, north). */
  xMetres: number;
  yMetres: number;
  /** Optional WGS84 position, for display only. */
  lat?: number;
  lon?: number;
}

export interface Link {
  id: string;
  /** Upstream intersection id, or null for an entry link from outside the network. */
  fromIntersectionId: string | null;
  /** Downstream intersection id, or null for an exit link. */
  toIntersectionId: string | null;
  lengthMetres: number;
  freeFlowSpeedMetresPerSecond: number;
  lanes: number;
  name?: string;
}

export interface Movement {
  id: string;
  fromLinkId: string;
  toLinkId: string;
  turn: TurnKind;
  /** Lane indices (0 = rightmost) of the from-link this movement leaves from; a lane may be shared. */
  fromLaneIndices: number[];
  /** Saturation flow of the whole movement while it has green, veh/h of green. */
  saturationFlowVehPerHour: number;
}

export interface PedestrianTiming {
  walkSeconds: number;
  clearanceSeconds: number;
}

export interface Phase {
  id: string;
  /** Movements that have right of way (green) in this phase. */
  movementIds: string[];
  minGreenSeconds: number;
  maxGreenSeconds: number;
  yellowSeconds: number;
  allRedSeconds: number;
  pedestrian?: PedestrianTiming;
}

export interface TimeOfDayPlan {
  /** Local time of day this plan starts, "HH:MM"; it runs until the next plan starts (wrapping at midnight). */
  startsAt: string;
  cycleSeconds: number;
  offsetSeconds: number;
  /** Green seconds per phase id, in the phase order of the intersection. */
  greenSecondsByPhase: Record<string, number>;
}

export interface Intersection {
  id: string;
  name: string;
  position: Position;
  control: IntersectionControl;
  movements: Movement[];
  /** Phases in the order they run in the cycle (a single-ring sequence). Empty when unsignalized. */
  phases: Phase[];
  /** Pairs of movement ids that may not have green at the same time. */
  conflicts: Array<[string, string]>;
  /** Fallback time-of-day plans; at least one for a signalized intersection. */
  fallbackPlans: TimeOfDayPlan[];
  /** Bounds on the cycle the optimizer may choose, seconds. */
  cycleBounds?: { minSeconds: number; maxSeconds: number };
  /** Free-form origin data (e.g. SUMO tls id and link indices) kept by importers. */
  external?: Record<string, unknown>;
}

export interface Detector {
  id: string;
  intersectionId: string;
  linkId: string;
  laneIndex: number;
  kind: DetectorKind;
  /** Distance upstream of the stop line, metres (0 for stop-line detectors at the line). */
  distanceFromStopLineMetres: number;
  /** Controller input channel, for high-resolution event logs. */
  channel?: number;
}

export interface CoordinationGroup {
  id: string;
  intersectionIds: string[];
}

export interface NetworkFile {
  format: typeof NETWORK_FORMAT;
  version: typeof NETWORK_FORMAT_VERSION;
  name: string;
  /** IANA time zone name of the city, for time-of-day plans and day files. */
  timeZone?: string;
  intersections: Intersection[];
  links: Link[];
  detectors: Detector[];
  /** Signals that share a common cycle and are coordinated. Default: one group per connected set of signals. */
  coordinationGroups?: CoordinationGroup[];
  external?: Record<string, unknown>;
}
