/**
 * What the SUMO importer could not represent exactly. Every issue carries a stable code so that callers
 * and tests match on codes, not on message text.
 */
export type ImportIssueCode =
  | 'SUMO_EXTRA_PROGRAMS'
  | 'SUMO_PROGRAM_NEXT_IGNORED'
  | 'SUMO_PROGRAM_NEMA'
  | 'SUMO_PROGRAM_OUT_OF_RANGE'
  | 'SUMO_SIGNAL_WITHOUT_PROGRAM'
  | 'SUMO_SIGNAL_NO_VEHICLE_GREEN'
  | 'SUMO_MOVEMENT_NEVER_GREEN'
  | 'SUMO_MOVEMENT_PARTIAL_GREEN'
  | 'SUMO_UNCONTROLLED_AT_SIGNAL'
  | 'SUMO_JUNCTION_SEVERAL_SIGNALS'
  | 'SUMO_NON_VEHICLE_SIGNAL_LINKS'
  | 'SUMO_PEDESTRIAN_ONLY_PHASE'
  | 'SUMO_PERMISSIVE_FOES'
  | 'SUMO_NO_INTERNAL_LINKS'
  | 'SUMO_REQUEST_INDEX_UNKNOWN'
  | 'SUMO_CLEARANCE_CLAMPED'
  | 'SUMO_EDGES_WITHOUT_VEHICLE_LANES'
  | 'SUMO_ID_RENAMED';

export type ImportIssueSeverity = 'info' | 'warning';

export interface ImportIssue {
  code: ImportIssueCode;
  severity: ImportIssueSeverity;
  /** SUMO element the issue is about (tls id, junction id, edge id), or '(network)'. */
  element: string;
  message: string;
}

export function formatImportIssue(i: ImportIssue): string {
  return `${i.severity} ${i.code} ${i.element}: ${i.message}`;
}
