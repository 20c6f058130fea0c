import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeCommand, encodeMessage, readStatus, readStepResults, readSubscriptionResult, subscribeCommand, getVariableCommand } from '../../adapters/sumo/traci/traci-protocol.js';
import { TraciReader, TraciWriter } from '../../adapters/sumo/traci/traci-storage.js';
import { encodeProgramLogic } from '../../adapters/sumo/traci/domains/traffic-light-domain.js';
import { TraciError } from '../../adapters/sumo/traci/traci-error.js';
import { CMD, SUBSCRIBE_FROM_START, SUBSCRIBE_UNTIL_END, TYPE, VAR } from '../../adapters/sumo/traci/traci-constants.js';

const hex = (b: Buffer) => b.toString('hex');

describe('TraCI encoding', () => {
  it('frames a simulation variable subscription exactly like SUMO\'s Python client', () => {
    // bytes captured from traci.simulation.subscribe([VAR_TIME, VAR_DEPARTED_VEHICLES_NUMBER])
    const msg = encodeMessage([subscribeCommand(CMD.SUBSCRIBE_SIM_VARIABLE, SUBSCRIBE_FROM_START, SUBSCRIBE_UNTIL_END, '', [VAR.TIME, VAR.DEPARTED_VEHICLES_NUMBER])]);
    expect(hex(msg)).toBe('0000001d19dbc1d000000000000041dfffffffc0000000000000026673');
  });

  it('uses the extended length form for commands longer than 255 bytes', () => {
    const body = Buffer.alloc(300, 1);
    const cmd = encodeCommand(0xc2, body);
    expect(cmd[0]).toBe(0);
    expect(cmd.readInt32BE(1)).toBe(cmd.length);
    expect(cmd[5]).toBe(0xc2);
    const short = encodeCommand(0xc2, Buffer.alloc(10));
    expect(short[0]).toBe(short.length);
  });

  it('encodes a get command as variable, object id', () => {
    expect(hex(getVariableCommand(CMD.GET_TL_VARIABLE, VAR.TL_CURRENT_PHASE, 'B1'))).toBe('09a2280000000242' + '31');
  });

  it('encodes a program logic as SUMO\'s setProgramLogic compound', () => {
    const buf = encodeProgramLogic({ programId: 'gw-1', type: 0, currentPhaseIndex: 1, phases: [{ durationSeconds: 30, state: 'GGrr' }, { durationSeconds: 3, state: 'yyrr', minDurSeconds: 3, maxDurSeconds: 3 }] });
    const v = new TraciReader(buf).typedValue();
    expect(v).toEqual(['gw-1', 0, 1, [[30, 'GGrr', 30, 30, [], ''], [3, 'yyrr', 3, 3, [], '']], []]);
  });

  it('encodes the next phases of a phase as a compound of integers', () => {
    const buf = encodeProgramLogic({ programId: 'gw-2', type: 0, currentPhaseIndex: 0, phases: [{ durationSeconds: 3, state: 'yr', next: [0] }] });
    expect(new TraciReader(buf).typedValue()).toEqual(['gw-2', 0, 0, [[3, 'yr', 3, 3, [0], '']], []]);
  });

  it('round-trips typed values', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.double({ noNaN: true }), fc.array(fc.string({ maxLength: 20 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x')), { maxLength: 5 }), (i, d, list) => {
        const w = new TraciWriter().typedInt(i).typedDouble(d).typedStringList(list).compound(2).typedString('a').typedInt(7);
        const r = new TraciReader(w.toBuffer());
        expect(r.typedValue()).toBe(i);
        expect(Object.is(r.typedValue(), d)).toBe(true);
        expect(r.typedValue()).toEqual(list);
        expect(r.typedValue()).toEqual(['a', 7]);
        expect(r.remaining).toBe(0);
      }),
    );
  });
});

describe('TraCI decoding', () => {
  const status = (cmd: number, result: number, text: string) => {
    const body = new TraciWriter().ubyte(cmd).ubyte(result).string(text).toBuffer();
    return Buffer.concat([Buffer.from([body.length + 1]), body]);
  };

  it('reads a rejected command as a recoverable error with SUMO\'s message', () => {
    const r = new TraciReader(status(0xc2, 0xff, "Can not switch tls 'B1' to program 'nope'"));
    let err: unknown;
    try {
      readStatus(r, 0xc2);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TraciError);
    expect((err as TraciError).code).toBe('GW_ERR_TRACI_COMMAND');
    expect((err as TraciError).fatal).toBe(false);
    expect((err as TraciError).message).toContain("program 'nope'");
  });

  it('treats a status for another command as a fatal protocol error', () => {
    const r = new TraciReader(status(0x02, 0x00, ''));
    expect(() => readStatus(r, 0xc2)).toThrowError(expect.objectContaining({ code: 'GW_ERR_TRACI_PROTOCOL', fatal: true }));
  });

  it('reads the step answer of SUMO 1.15 (subscription results in extended length form)', () => {
    // captured: status of the simulation subscription, then its result: time 0.0 and departed 0
    const answer = Buffer.from('07db0000000000000000001deb000000000266000b000000000000000073000900000000', 'hex');
    const r = new TraciReader(answer);
    readStatus(r, CMD.SUBSCRIBE_SIM_VARIABLE);
    const res = readSubscriptionResult(r);
    expect(res.responseId).toBe(CMD.RESPONSE_SUBSCRIBE_SIM_VARIABLE);
    expect(res.values.get(VAR.TIME)).toBe(0);
    expect(res.values.get(VAR.DEPARTED_VEHICLES_NUMBER)).toBe(0);
  });

  it('reads every subscription result of a step, and a variable SUMO could not deliver as an error', () => {
    const one = new TraciWriter().ubyte(CMD.RESPONSE_SUBSCRIBE_INDUCTIONLOOP_VARIABLE).string('det_0').ubyte(2)
      .ubyte(VAR.LAST_STEP_VEHICLE_ID_LIST).ubyte(0).typedStringList(['veh1', 'veh2'])
      .ubyte(VAR.LAST_STEP_OCCUPANCY).ubyte(0xff).typedString('no such variable')
      .toBuffer();
    const framed = Buffer.concat([Buffer.from([one.length + 1]), one]);
    const step = Buffer.concat([new TraciWriter().int(2).toBuffer(), framed, framed]);
    const results = readStepResults(new TraciReader(step));
    expect(results).toHaveLength(2);
    expect(results[0].objectId).toBe('det_0');
    expect(results[0].values.get(VAR.LAST_STEP_VEHICLE_ID_LIST)).toEqual(['veh1', 'veh2']);
    expect(results[0].errors.get(VAR.LAST_STEP_OCCUPANCY)).toBe('no such variable');
  });

  it('rejects a truncated message with a fatal error instead of reading garbage', () => {
    const r = new TraciReader(Buffer.from([TYPE.STRING, 0, 0, 0, 9, 0x41]));
    expect(() => r.typedValue()).toThrowError(expect.objectContaining({ code: 'GW_ERR_TRACI_PROTOCOL' }));
  });
});
