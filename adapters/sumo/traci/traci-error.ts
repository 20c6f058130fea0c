/**
 * Errors talking to SUMO (over TraCI or through libsumo) carry a stable code. Recoverable ones (SUMO answered a command with an error) keep the
 * connection usable; fatal ones end it.
 */
export type TraciErrorCode =
  | 'GW_ERR_SUMO_NOT_FOUND'
  | 'GW_ERR_SUMO_START'
  | 'GW_ERR_SUMO_EXITED'
  | 'GW_ERR_TRACI_CONNECT'
  | 'GW_ERR_TRACI_CLOSED'
  | 'GW_ERR_TRACI_PROTOCOL'
  | 'GW_ERR_TRACI_VERSION'
  | 'GW_ERR_TRACI_TIMEOUT'
  | 'GW_ERR_TRACI_COMMAND'
  | 'GW_ERR_LIBSUMO_UNAVAILABLE'
  | 'GW_ERR_LIBSUMO_BUSY';

const FATAL: ReadonlySet<TraciErrorCode> = new Set<TraciErrorCode>([
  'GW_ERR_SUMO_NOT_FOUND',
  'GW_ERR_SUMO_START',
  'GW_ERR_SUMO_EXITED',
  'GW_ERR_TRACI_CONNECT',
  'GW_ERR_TRACI_CLOSED',
  'GW_ERR_TRACI_PROTOCOL',
  'GW_ERR_TRACI_VERSION',
  'GW_ERR_TRACI_TIMEOUT',
  'GW_ERR_LIBSUMO_UNAVAILABLE',
  'GW_ERR_LIBSUMO_BUSY',
]);

export class TraciError extends Error {
  readonly fatal: boolean;
  constructor(
    readonly code: TraciErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TraciError';
    this.fatal = FATAL.has(code);
  }
}
