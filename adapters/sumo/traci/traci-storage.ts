import { TYPE } from './traci-constants.js';
import { TraciError } from './traci-error.js';

/** Big-endian TraCI encoder. Strings are written as latin1, as SUMO's own Python client does. */
export class TraciWriter {
  private chunks: Buffer[] = [];
  private size = 0;

  private push(b: Buffer): this {
    this.chunks.push(b);
    this.size += b.length;
    return this;
  }
  ubyte(v: number): this {
    const b = Buffer.allocUnsafe(1);
    b.writeUInt8(v & 0xff, 0);
    return this.push(b);
  }
  int(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v | 0, 0);
    return this.push(b);
  }
  double(v: number): this {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleBE(v, 0);
    return this.push(b);
  }
  string(s: string): this {
    const body = Buffer.from(s, 'latin1');
    return this.int(body.length).push(body);
  }
  stringList(list: readonly string[]): this {
    this.int(list.length);
    for (const s of list) this.string(s);
    return this;
  }
  bytes(b: Buffer): this {
    return this.push(b);
  }
  typedInt(v: number): this {
    return this.ubyte(TYPE.INTEGER).int(v);
  }
  typedDouble(v: number): this {
    return this.ubyte(TYPE.DOUBLE).double(v);
  }
  typedString(s: string): this {
    return this.ubyte(TYPE.STRING).string(s);
  }
  typedStringList(list: readonly string[]): this {
    return this.ubyte(TYPE.STRINGLIST).stringList(list);
  }
  compound(count: number): this {
    return this.ubyte(TYPE.COMPOUND).int(count);
  }
  get length(): number {
    return this.size;
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

export type TraciValue = number | string | string[] | number[] | TraciValue[] | { x: number; y: number; z?: number };

/** Big-endian TraCI decoder over one response buffer; throws a fatal protocol error on truncation. */
export class TraciReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  /** The whole message read (not a copy). */
  get bytes(): Buffer {
    return this.buf;
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  get position(): number {
    return this.pos;
  }
  seek(pos: number): void {
    this.pos = pos;
  }
  /** A view of `length` bytes from `start` (not a copy); a fatal protocol error when the message is shorter. */
  bytesAt(start: number, length: number): Buffer {
    if (start < 0 || length < 0 || start + length > this.buf.length)
      throw new TraciError('GW_ERR_TRACI_PROTOCOL', `truncated TraCI message: need ${length} bytes at ${start} of ${this.buf.length}`);
    return this.buf.subarray(start, start + length);
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length)
      throw new TraciError('GW_ERR_TRACI_PROTOCOL', `truncated TraCI message: need ${n} bytes at ${this.pos} of ${this.buf.length}`);
  }
  ubyte(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }
  byte(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }
  int(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  double(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }
  string(): string {
    const n = this.int();
    this.need(n);
    const s = this.buf.toString('latin1', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  stringList(): string[] {
    const n = this.int();
    const out: string[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.string();
    return out;
  }
  /** Length prefix of a command: one byte, or 0 followed by a 4-byte length. Returns the command's total length. */
  commandLength(): number {
    const short = this.ubyte();
    return short === 0 ? this.int() : short;
  }
  expectType(expected: number): void {
    const t = this.ubyte();
    if (t !== expected)
      throw new TraciError('GW_ERR_TRACI_PROTOCOL', `expected TraCI type 0x${expected.toString(16)}, got 0x${t.toString(16)}`);
  }
  typedInt(): number {
    this.expectType(TYPE.INTEGER);
    return this.int();
  }
  typedDouble(): number {
    this.expectType(TYPE.DOUBLE);
    return this.double();
  }
  typedString(): string {
    this.expectType(TYPE.STRING);
    return this.string();
  }
  typedStringList(): string[] {
    this.expectType(TYPE.STRINGLIST);
    return this.stringList();
  }
  /** Reads one value preceded by its type byte. */
  typedValue(): TraciValue {
    const t = this.ubyte();
    return this.valueOfType(t);
  }
  valueOfType(t: number): TraciValue {
    switch (t) {
      case TYPE.INTEGER:
        return this.int();
      case TYPE.DOUBLE:
        return this.double();
      case TYPE.STRING:
        return this.string();
      case TYPE.STRINGLIST:
        return this.stringList();
      case TYPE.UBYTE:
        return this.ubyte();
      case TYPE.BYTE:
        return this.byte();
      case TYPE.DOUBLELIST: {
        const n = this.int();
        const out: number[] = [];
        for (let i = 0; i < n; i++) out.push(this.double());
        return out;
      }
      case TYPE.COMPOUND: {
        const n = this.int();
        const out: TraciValue[] = [];
        for (let i = 0; i < n; i++) out.push(this.typedValue());
        return out;
      }
      case TYPE.POSITION_2D:
      case TYPE.POSITION_LON_LAT:
        return { x: this.double(), y: this.double() };
      case TYPE.POSITION_3D:
      case TYPE.POSITION_LON_LAT_ALT:
        return { x: this.double(), y: this.double(), z: this.double() };
      case TYPE.COLOR:
        return [this.ubyte(), this.ubyte(), this.ubyte(), this.ubyte()];
      case TYPE.POLYGON: {
        let n = this.ubyte();
        if (n === 0) n = this.int();
        const out: number[] = [];
        for (let i = 0; i < n; i++) out.push(this.double(), this.double());
        return out;
      }
      default:
        throw new TraciError('GW_ERR_TRACI_PROTOCOL', `unsupported TraCI value type 0x${t.toString(16)}`);
    }
  }
}
