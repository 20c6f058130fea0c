import type { TraciReader, TraciValue } from './traci-storage.js';

/** Latest subscription values: response id -> object id -> variable id -> value. */
export type SubscriptionStore = Map<number, Map<string, Map<number, TraciValue>>>;

/** What the domains need from the client. */
export interface TraciTransport {
  /** Sends the commands as one message and checks each status; with one command, the reader is left at its result. */
  request(commands: readonly Buffer[], commandIds: readonly number[]): Promise<TraciReader>;
  subscribe(commandId: number, objectIds: readonly string[], variableIds: readonly number[]): Promise<void>;
  readonly subscriptions: SubscriptionStore;
}
