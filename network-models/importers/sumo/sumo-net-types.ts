/**
 * The parts of a SUMO `.net.xml` (SUMO 1.x network format) the importer reads, as plain typed data.
 * Attribute names follow SUMO's; units are SUMO's (metres, m/s, seconds).
 */

export interface SumoLane {
  id: string;
  index: number;
  speed: number;
  length: number;
  /** Space-separated vehicle classes, as in the file (absent = all allowed). */
  allow?: string;
  disallow?: string;
}

export interface SumoEdge {
  id: string;
  from?: string;
  to?: string;
  /** 'internal', 'crossing', 'walkingarea', 'connector', or undefined for a normal edge. */
  func?: string;
  name?: string;
  lanes: SumoLane[];
}

export interface SumoRequest {
  index: number;
  response: string;
  foes: string;
}

export interface SumoJunction {
  id: string;
  type: string;
  x: number;
  y: number;
  incLanes: string[];
  intLanes: string[];
  requests: SumoRequest[];
}

export interface SumoConnection {
  from: string;
  to: string;
  fromLane: number;
  toLane: number;
  via?: string;
  tl?: string;
  linkIndex?: number;
  dir?: string;
  state?: string;
}

export interface SumoPhase {
  duration: number;
  state: string;
  minDur?: number;
  maxDur?: number;
  name?: string;
  next?: string;
}

export interface SumoTlLogic {
  id: string;
  type: string;
  programID: string;
  offset: number;
  phases: SumoPhase[];
}

export interface SumoNet {
  version?: string;
  edges: SumoEdge[];
  junctions: SumoJunction[];
  connections: SumoConnection[];
  tlLogics: SumoTlLogic[];
}
