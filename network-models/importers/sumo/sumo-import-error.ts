/** Stable codes for a SUMO network that cannot be imported at all (as opposed to ImportIssue, which is per element). */
export type SumoImportErrorCode = 'GW_ERR_SUMO_XML' | 'GW_ERR_SUMO_NO_SIGNALS' | 'GW_ERR_SUMO_INVALID_RESULT';

export class SumoImportError extends Error {
  constructor(
    readonly code: SumoImportErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SumoImportError';
  }
}
