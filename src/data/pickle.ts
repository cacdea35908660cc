/**
 * The values of a NumPy object array saved with np.save(…, allow_pickle=True) — labels kept as Python strings, ints,
 * floats or booleans — read WITHOUT running pickle: a small stack machine knows the opcodes of protocols 2–5 that
 * such a file uses, treats every global (numpy's _reconstruct, ndarray, dtype) as an opaque name and never calls
 * anything; the array's elements are the list in the state its BUILD sets. Anything else (other opcodes, objects that
 * are not plain values) is a BAD_FILE / UNSUPPORTED_DTYPE error saying to save plain strings or numbers.
 * No maintained npm package reads pickles without executing them, hence this reader (about 150 lines).
 */
import { GeolensError } from '../errors.js';

/** A plain Python value an object array may hold. */
export type PickleValue = string | number | boolean | bigint | null;

interface Opaque {
  global?: string;
  call?: { fn: unknown; args: unknown };
  state?: unknown;
}

const MARK = Symbol('mark');

/** The element list and shape of a pickled numpy object ndarray (`np.save` of a dtype=object array). */
export function unpickleObjectArray(bytes: Uint8Array, name: string): { shape: number[]; values: PickleValue[] } {
  const bad = (msg: string): never => {
    throw new GeolensError('BAD_FILE', `${name}: ${msg}`);
  };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder('utf-8');
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > bytes.length) bad('truncated pickle data');
  };
  const u8 = (): number => (need(1), bytes[pos++]!);
  const u16 = (): number => (need(2), (pos += 2), dv.getUint16(pos - 2, true));
  const u32 = (): number => (need(4), (pos += 4), dv.getUint32(pos - 4, true));
  const str = (n: number): string => (need(n), (pos += n), text.decode(bytes.subarray(pos - n, pos)));
  const line = (): string => {
    const end = bytes.indexOf(10, pos);
    if (end < 0) bad('truncated pickle data');
    const s = text.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const popMark = (): unknown[] => {
    const k = stack.lastIndexOf(MARK);
    if (k < 0) bad('malformed pickle (no MARK)');
    const items = stack.splice(k);
    items.shift();
    return items;
  };
  const pop = (): unknown => (stack.length ? stack.pop() : bad('malformed pickle (empty stack)'));
  let steps = 0;
  for (;;) {
    if (++steps > 10_000_000) bad('pickle data too long');
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: need(8); pos += 8; break; // FRAME
      case 0x2e: { // STOP
        const top = stack.pop() as Opaque | undefined;
        const st = top?.state;
        if (!Array.isArray(st) || st.length < 5 || !Array.isArray(st[1]) || !Array.isArray(st[4])) {
          throw new GeolensError('UNSUPPORTED_DTYPE', `${name}: the pickle holds something other than a numpy object array of plain values; save the values as strings or numbers (np.save(path, a.astype(str))).`);
        }
        const values = st[4] as unknown[];
        for (const v of values) {
          if (v !== null && !['string', 'number', 'boolean', 'bigint'].includes(typeof v)) {
            throw new GeolensError('UNSUPPORTED_DTYPE', `${name}: the object array holds a ${typeof v === 'object' ? 'Python object' : typeof v}, not a plain string or number; save the labels as strings (np.save(path, a.astype(str))).`);
          }
        }
        return { shape: (st[1] as unknown[]).map(Number), values: values as PickleValue[] };
      }
      case 0x28: stack.push(MARK); break; // MARK
      case 0x63: stack.push({ global: `${line()}.${line()}` } as Opaque); break; // GLOBAL
      case 0x93: { const n = pop(); const m = pop(); stack.push({ global: `${String(m)}.${String(n)}` } as Opaque); break; } // STACK_GLOBAL
      case 0x71: memo.set(u8(), stack[stack.length - 1]); break; // BINPUT
      case 0x72: memo.set(u32(), stack[stack.length - 1]); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, stack[stack.length - 1]); break; // MEMOIZE
      case 0x68: stack.push(memo.get(u8())); break; // BINGET
      case 0x6a: stack.push(memo.get(u32())); break; // LONG_BINGET
      case 0x4a: need(4); stack.push(dv.getInt32(pos, true)); pos += 4; break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: { // LONG1
        const n = u8();
        need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[pos + i]!);
        if (n > 0 && bytes[pos + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        pos += n;
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: need(8); stack.push(dv.getFloat64(pos, false)); pos += 8; break; // BINFLOAT
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x58: stack.push(str(u32())); break; // BINUNICODE
      case 0x8c: stack.push(str(u8())); break; // SHORT_BINUNICODE
      case 0x8d: { const lo = u32(); const hi = u32(); if (hi) bad('string too long'); stack.push(str(lo)); break; } // BINUNICODE8
      case 0x43: { const n = u8(); need(n); stack.push(bytes.slice(pos, pos + n)); pos += n; break; } // SHORT_BINBYTES
      case 0x42: { const n = u32(); need(n); stack.push(bytes.slice(pos, pos + n)); pos += n; break; } // BINBYTES
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); stack.push([pop(), b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); stack.push([pop(), b, c]); break; } // TUPLE3
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x61: { const v = pop(); (stack[stack.length - 1] as unknown[]).push(v); break; } // APPEND
      case 0x65: { const items = popMark(); const l = stack[stack.length - 1]; if (!Array.isArray(l)) bad('malformed pickle (APPENDS)'); (l as unknown[]).push(...items); break; } // APPENDS
      case 0x7d: stack.push({}); break; // EMPTY_DICT
      case 0x73: { pop(); pop(); break; } // SETITEM (dict contents are not needed)
      case 0x75: popMark(); break; // SETITEMS
      case 0x52: case 0x81: { const args = pop(); const fn = pop(); stack.push({ call: { fn, args } } as Opaque); break; } // REDUCE, NEWOBJ
      case 0x62: { const state = pop(); const obj = stack[stack.length - 1] as Opaque; if (obj && typeof obj === 'object') obj.state = state; break; } // BUILD
      default:
        bad(`unsupported pickle opcode 0x${op.toString(16)} at byte ${pos - 1}; save plain strings or numbers (np.save(path, a.astype(str)))`);
    }
  }
}
