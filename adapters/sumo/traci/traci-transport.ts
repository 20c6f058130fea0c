import type { TraciReader, TraciValue } from './traci-storage.js';
import type { SubscriptionResult } from './traci-protocol.js';

/**
 * Latest subscription values: response id -> object id -> variable id -> value. An object's value map is replaced
 * only when SUMO reports something new for it: the same map (by identity) means unchanged data.
 */
export type SubscriptionStore = Map<number, Map<string, Map<number, TraciValue>>>;

/** What the domains need from the client. */
export interface TraciTransport {
  /** Sends the commands as one message and checks each status; with one command, the reader is left at its result. */
  request(commands: readonly Buffer[], commandIds: readonly number[]): Promise<TraciReader>;
  /**
   * Queues a command that has no result (a set command): it goes to SUMO ahead of the next message's own commands,
   * in order, so nothing SUMO does in between can tell the difference; its status is checked when that answer comes
   * (a rejection is thrown from that request or step). `what` names the command in that error. A get command
   * passes `readResult`, which reads its result from that answer (SUMO answers it before the message's own
   * commands run: the values of the step last read).
   */
  enqueue(command: Buffer, commandId: number, what: string, readResult?: (r: TraciReader) => void): void;
  subscribe(commandId: number, objectIds: readonly string[], variableIds: readonly number[]): Promise<void>;
  readonly subscriptions: SubscriptionStore;
  /**
   * The results of the last step answer read that were decoded anew (their bytes differ from the same position's
   * in the answer before): every object whose values changed is among them, and possibly some that did not.
   */
  readonly lastStepChanged: readonly SubscriptionResult[];
}

/** The subscribed values as either binding keeps them (TraCI or libsumo), read by the domains' `lastStep`. */
export type SubscribedValues = Pick<TraciTransport, 'subscriptions' | 'lastStepChanged'>;
