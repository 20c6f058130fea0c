export { importSumoNetwork, type SumoNetworkImport } from './import-sumo-network.js';
export { parseSumoNet } from './parse-sumo-net.js';
export { convertSumoNet, type SumoImportOptions, type SumoImportResult } from './convert-sumo-net.js';
export { detectorAdditionalXml, xmlEscape, type DetectorAdditionalOptions } from './detector-additional.js';
export { formatImportIssue, type ImportIssue, type ImportIssueCode, type ImportIssueSeverity } from './import-issue.js';
export { SumoImportError, type SumoImportErrorCode } from './sumo-import-error.js';
export {
  sumoNetworkOf,
  sumoSignalOf,
  type SumoNetworkExternal,
  type SumoPhaseStates,
  type SumoSignalExternal,
  type SumoStateSegment,
  type SumoSegmentKind,
} from './sumo-external.js';
export type { SumoNet } from './sumo-net-types.js';
