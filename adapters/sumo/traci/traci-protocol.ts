import { RTYPE } from './traci-constants.js';
import { TraciError } from './traci-error.js';
import { TraciReader, TraciWriter, type TraciValue } from './traci-storage.js';

/**
 * TraCI message encoding and decoding, free of I/O. A message is a 4-byte total length followed by commands;
 * a command is a length (1 byte, or 0 then 4 bytes when longer than 255), its id and its body.
 */

export function encodeCommand(commandId: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const short = 1 + 1 + body.length;
  if (short <= 255) return Buffer.concat([Buffer.from([short, commandId]), body]);
  const w = new TraciWriter().ubyte(0).int(short + 4).ubyte(commandId).bytes(body);
  return w.toBuffer();
}

export function encodeMessage(commands: readonly Buffer[]): Buffer {
  const total = commands.reduce((s, c) => s + c.length, 4);
  const head = Buffer.allocUnsafe(4);
  head.writeInt32BE(total, 0);
  return Buffer.concat([head, ...commands], total);
}

/** Get command: variable id, object id, then optional parameters (already typed). */
export function getVariableCommand(commandId: number, variableId: number, objectId: string, params?: Buffer): Buffer {
  const w = new TraciWriter().ubyte(variableId).string(objectId);
  if (params) w.bytes(params);
  return encodeCommand(commandId, w.toBuffer());
}

/** Set command: variable id, object id, then the typed value. */
export function setVariableCommand(commandId: number, variableId: number, objectId: string, typedValue: Buffer): Buffer {
  return encodeCommand(commandId, new TraciWriter().ubyte(variableId).string(objectId).bytes(typedValue).toBuffer());
}

export function subscribeCommand(commandId: number, beginSeconds: number, endSeconds: number, objectId: string, variableIds: readonly number[]): Buffer {
  const w = new TraciWriter().double(beginSeconds).double(endSeconds).string(objectId).ubyte(variableIds.length);
  for (const v of variableIds) w.ubyte(v);
  return encodeCommand(commandId, w.toBuffer());
}

export function simStepCommand(targetSeconds: number): Buffer {
  return encodeCommand(0x02, new TraciWriter().double(targetSeconds).toBuffer());
}

/**
 * Reads the status of one command. SUMO answers each command of a message with its status immediately
 * followed by its result (if any), in order. A command SUMO rejected throws a recoverable TraciError; a status
 * for the wrong command is a fatal protocol error.
 */
export function readStatus(r: TraciReader, expected: number): void {
  {
    const start = r.position;
    const len = r.commandLength();
    const id = r.ubyte();
    const result = r.ubyte();
    const description = r.string();
    r.seek(start + len);
    if (id !== expected)
      throw new TraciError('GW_ERR_TRACI_PROTOCOL', `TraCI status for command 0x${id.toString(16)}, expected 0x${expected.toString(16)}`);
    if (result !== RTYPE.OK)
      throw new TraciError(
        'GW_ERR_TRACI_COMMAND',
        `SUMO rejected command 0x${expected.toString(16)}${result === RTYPE.NOTIMPLEMENTED ? ' (not implemented)' : ''}: ${description}`,
      );
  }
}

/** Reads one get-variable response: returns its value after checking response id, variable and object. */
export function readGetResponse(r: TraciReader, responseId: number, variableId: number, objectId: string): TraciValue {
  const start = r.position;
  const len = r.commandLength();
  const id = r.ubyte();
  const varId = r.ubyte();
  const obj = r.string();
  if (id !== responseId || varId !== variableId || obj !== objectId)
    throw new TraciError(
      'GW_ERR_TRACI_PROTOCOL',
      `unexpected TraCI answer 0x${id.toString(16)}/0x${varId.toString(16)}/${obj} for 0x${responseId.toString(16)}/0x${variableId.toString(16)}/${objectId}`,
    );
  const value = r.typedValue();
  r.seek(start + len);
  return value;
}

export interface SubscriptionResult {
  responseId: number;
  objectId: string;
  values: Map<number, TraciValue>;
  /** Variables SUMO could not deliver, with its message. */
  errors: Map<number, string>;
}

/** Reads one variable-subscription result (as found after a simulation step or a subscribe command). */
export function readSubscriptionResult(r: TraciReader): SubscriptionResult {
  const start = r.position;
  const len = r.commandLength();
  const responseId = r.ubyte();
  const objectId = r.string();
  const n = r.ubyte();
  const values = new Map<number, TraciValue>();
  const errors = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const varId = r.ubyte();
    const status = r.ubyte();
    if (status !== RTYPE.OK) {
      errors.set(varId, r.typedString());
      continue;
    }
    values.set(varId, r.typedValue());
  }
  if (r.position !== start + len)
    throw new TraciError('GW_ERR_TRACI_PROTOCOL', `subscription result for ${objectId} has length ${len} but ${r.position - start} bytes were read`);
  return { responseId, objectId, values, errors };
}

/** Reads the body of a simulation step answer: the number of subscription results, then each of them. */
export function readStepResults(r: TraciReader): SubscriptionResult[] {
  const n = r.int();
  const out: SubscriptionResult[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = readSubscriptionResult(r);
  return out;
}

export function readVersionResponse(r: TraciReader): { apiVersion: number; sumoVersion: string } {
  const start = r.position;
  const len = r.commandLength();
  const id = r.ubyte();
  if (id !== 0x00) throw new TraciError('GW_ERR_TRACI_PROTOCOL', `expected a version answer, got command 0x${id.toString(16)}`);
  const apiVersion = r.int();
  const sumoVersion = r.string();
  r.seek(start + len);
  return { apiVersion, sumoVersion };
}
