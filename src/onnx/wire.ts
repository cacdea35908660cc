/**
 * Protocol-buffers wire format: a small, bounds-checked reader and a deterministic writer.
 * Used by `proto.ts` to encode/decode the ONNX messages. No dependency, no code generation at run time,
 * so it runs unchanged in Node and in the browser.
 */
import { GeolensError } from '../errors.js';

const TWO32 = 4294967296;
const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();
/** 2^63: the double nearest to INT64_MAX. */
const INT64_LIMIT = 2 ** 63;

export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  Bytes = 2,
  Fixed32 = 5,
}

function malformed(what: string, source: string): never {
  throw new GeolensError('BAD_FILE', `${source}: malformed protobuf (${what}). The file is truncated or is not an ONNX model; re-export it.`);
}

export class WireReader {
  pos: number;
  private readonly view: DataView;
  constructor(
    readonly buf: Uint8Array,
    readonly source = 'model',
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  done(): boolean {
    return this.pos >= this.end;
  }
  /** Reads a varint as a signed 64-bit integer (two's complement) converted to a JS number (exact up to 2^53; INT64_MAX gives 2^63). */
  varint(): number {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    let b: number;
    // low 28 bits
    for (let i = 0; i < 4; i++) {
      if (this.pos >= this.end) malformed('varint runs past the end', this.source);
      b = this.buf[this.pos++]!;
      lo |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) return lo >>> 0;
    }
    if (this.pos >= this.end) malformed('varint runs past the end', this.source);
    b = this.buf[this.pos++]!;
    lo |= (b & 0x7f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      shift = 3;
      for (let i = 0; i < 5; i++) {
        if (this.pos >= this.end) malformed('varint runs past the end', this.source);
        b = this.buf[this.pos++]!;
        hi |= (b & 0x7f) << shift;
        shift += 7;
        if (b < 0x80) break;
        if (i === 4) malformed('varint longer than 10 bytes', this.source);
      }
    }
    lo >>>= 0;
    if (hi & 0x80000000) {
      // negative: -(~value + 1)
      const nlo = (~lo >>> 0) + 1;
      const nhi = (~hi >>> 0) + (nlo > 0xffffffff ? 1 : 0);
      return -((nhi >>> 0) * TWO32 + (nlo >>> 0));
    }
    return (hi >>> 0) * TWO32 + lo;
  }
  tag(): { field: number; wire: number } {
    const t = this.varint();
    if (t <= 0 || t > 0x1fffffff * 8 + 7) malformed(`bad field tag ${t}`, this.source);
    return { field: Math.floor(t / 8), wire: t & 7 };
  }
  length(): number {
    const n = this.varint();
    if (n < 0 || this.pos + n > this.end) {
      malformed(`a field declares ${n} bytes but only ${this.end - this.pos} remain`, this.source);
    }
    return n;
  }
  bytes(): Uint8Array {
    const n = this.length();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  sub(): WireReader {
    const n = this.length();
    const r = new WireReader(this.buf, this.source, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
  string(): string {
    return utf8Decoder.decode(this.bytes());
  }
  float32(): number {
    if (this.pos + 4 > this.end) malformed('float runs past the end', this.source);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  float64(): number {
    if (this.pos + 8 > this.end) malformed('double runs past the end', this.source);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  skip(wire: number): void {
    switch (wire) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        if (this.pos + 8 > this.end) malformed('fixed64 runs past the end', this.source);
        this.pos += 8;
        return;
      case WireType.Bytes:
        this.pos += this.length();
        return;
      case WireType.Fixed32:
        if (this.pos + 4 > this.end) malformed('fixed32 runs past the end', this.source);
        this.pos += 4;
        return;
      default:
        malformed(`unsupported wire type ${wire}`, this.source);
    }
  }
  /** Repeated scalar: packed (wire 2) or one element (its own wire type). */
  packedVarints(wire: number, out: number[]): void {
    if (wire === WireType.Bytes) {
      const r = this.sub();
      while (!r.done()) out.push(r.varint());
    } else out.push(this.varint());
  }
  packedFloats(wire: number, out: number[]): void {
    if (wire === WireType.Bytes) {
      const r = this.sub();
      while (!r.done()) out.push(r.float32());
    } else out.push(this.float32());
  }
  packedDoubles(wire: number, out: number[]): void {
    if (wire === WireType.Bytes) {
      const r = this.sub();
      while (!r.done()) out.push(r.float64());
    } else out.push(this.float64());
  }
}

/** Growable byte sink with protobuf primitives. Output depends only on the calls made (deterministic). */
export class WireWriter {
  private buf = new Uint8Array(1024);
  private len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
  rawVarint(v: number): void {
    if (!Number.isInteger(v)) throw new RangeError(`protobuf varint must be an integer, got ${v}`);
    this.ensure(10);
    if (v >= 0) {
      // INT64_MAX reads back as 2^63 (the nearest double): write it, and anything larger, as INT64_MAX, not as a wrap to INT64_MIN
      const sat = v >= INT64_LIMIT;
      let lo = sat ? 0xffffffff : v % TWO32;
      let hi = sat ? 0x7fffffff : Math.floor(v / TWO32);
      while (hi > 0 || lo > 0x7f) {
        this.buf[this.len++] = (lo & 0x7f) | 0x80;
        lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
        hi = hi >>> 7;
      }
      this.buf[this.len++] = lo;
      return;
    }
    // negative: 64-bit two's complement, always 10 bytes (saturating at INT64_MIN)
    const a = Math.min(-v, INT64_LIMIT);
    let lo = (~(a % TWO32) >>> 0) + 1;
    let hi = ~Math.floor(a / TWO32) >>> 0;
    if (lo > 0xffffffff) {
      lo = 0;
      hi = (hi + 1) >>> 0;
    }
    for (let i = 0; i < 9; i++) {
      this.buf[this.len++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
      hi = hi >>> 7;
    }
    this.buf[this.len++] = lo & 0x01;
  }
  tag(field: number, wire: WireType): void {
    this.rawVarint(field * 8 + wire);
  }
  varintField(field: number, v: number): void {
    this.tag(field, WireType.Varint);
    this.rawVarint(v);
  }
  bytesField(field: number, b: Uint8Array): void {
    this.tag(field, WireType.Bytes);
    this.rawVarint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  stringField(field: number, s: string): void {
    this.bytesField(field, utf8Encoder.encode(s));
  }
  floatField(field: number, v: number): void {
    this.tag(field, WireType.Fixed32);
    this.ensure(4);
    new DataView(this.buf.buffer).setFloat32(this.len, v, true);
    this.len += 4;
  }
  messageField(field: number, write: (w: WireWriter) => void): void {
    const w = new WireWriter();
    write(w);
    this.bytesField(field, w.finish());
  }
  packedVarintField(field: number, vs: readonly number[]): void {
    if (vs.length === 0) return;
    const w = new WireWriter();
    for (const v of vs) w.rawVarint(v);
    this.bytesField(field, w.finish());
  }
  packedFloatField(field: number, vs: readonly number[]): void {
    if (vs.length === 0) return;
    const b = new Uint8Array(vs.length * 4);
    const dv = new DataView(b.buffer);
    vs.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    this.bytesField(field, b);
  }
}
