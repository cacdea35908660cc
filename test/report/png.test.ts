import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unzlibSync } from 'fflate';
import { crc32 } from '../../src/util/crc32.js';
import { encodePng, imageGridPng } from '../../src/report/png.js';

interface Chunk {
  type: string;
  data: Uint8Array;
  crc: number;
  /** CRC-32 over type + data, as computed here. */
  expectedCrc: number;
}

/** Split a PNG file into its chunks (after the 8-byte signature). */
function chunks(png: Uint8Array): Chunk[] {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: Chunk[] = [];
  let off = 8;
  while (off < png.length) {
    const len = dv.getUint32(off);
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8));
    out.push({ type, data: png.subarray(off + 8, off + 8 + len), crc: dv.getUint32(off + 8 + len), expectedCrc: crc32(png.subarray(off + 4, off + 8 + len)) });
    off += 12 + len;
  }
  assert.equal(off, png.length, 'the chunks end exactly at the end of the file');
  return out;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

test('encodePng: a 3×2 grayscale image is a valid PNG whose IDAT inflates to the filter-0 scanlines', () => {
  const pixels = Uint8Array.of(0, 128, 255, 10, 20, 30);
  const png = encodePng(3, 2, 1, pixels);
  assert.deepEqual(Array.from(png.subarray(0, 8)), SIGNATURE);
  const cs = chunks(png);
  assert.deepEqual(cs.map((c) => c.type), ['IHDR', 'IDAT', 'IEND']);
  for (const c of cs) assert.equal(c.crc, c.expectedCrc, `CRC of ${c.type}`);

  const ihdr = new DataView(cs[0]!.data.buffer, cs[0]!.data.byteOffset, cs[0]!.data.byteLength);
  assert.equal(cs[0]!.data.length, 13);
  assert.equal(ihdr.getUint32(0), 3, 'width');
  assert.equal(ihdr.getUint32(4), 2, 'height');
  assert.deepEqual(Array.from(cs[0]!.data.subarray(8)), [8, 0, 0, 0, 0], 'bit depth 8, grayscale, deflate, filter method 0, no interlace');

  assert.deepEqual(Array.from(unzlibSync(cs[1]!.data)), [0, 0, 128, 255, 0, 10, 20, 30]);
  assert.equal(cs[2]!.data.length, 0);
});

test('encodePng: RGB pixels give colour type 2 and 3-byte pixels per scanline', () => {
  const pixels = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
  const png = encodePng(2, 2, 3, pixels);
  const cs = chunks(png);
  for (const c of cs) assert.equal(c.crc, c.expectedCrc, `CRC of ${c.type}`);
  assert.equal(cs[0]!.data[9], 2);
  assert.deepEqual(Array.from(unzlibSync(cs[1]!.data)), [0, 1, 2, 3, 4, 5, 6, 0, 7, 8, 9, 10, 11, 12]);
});

test('encodePng: a pixel buffer of the wrong size is rejected', () => {
  assert.throws(() => encodePng(2, 2, 1, new Uint8Array(3)), RangeError);
});

test('encodePng: the same pixels give the same bytes', () => {
  const pixels = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 256);
  assert.deepEqual(encodePng(8, 8, 1, pixels), encodePng(8, 8, 1, pixels));
});

test('imageGridPng: frames on a grey background, values mapped from the range to 0–255 and upscaled', () => {
  // one row of two 1×1 frames, scale 2, gap 2: width 2·(2 + 2) + 2 = 10, height 1·(2 + 2) + 2 = 6
  const png = imageGridPng([[Float64Array.of(0), Float64Array.of(1)]], [1, 1], [0, 1], 2);
  const cs = chunks(png);
  const ihdr = new DataView(cs[0]!.data.buffer, cs[0]!.data.byteOffset, cs[0]!.data.byteLength);
  assert.equal(ihdr.getUint32(0), 10);
  assert.equal(ihdr.getUint32(4), 6);
  const raw = unzlibSync(cs[1]!.data);
  const row = (r: number): number[] => Array.from(raw.subarray(r * 11 + 1, (r + 1) * 11));
  assert.deepEqual(row(0), new Array(10).fill(128));
  assert.deepEqual(row(2), [128, 128, 0, 0, 128, 128, 255, 255, 128, 128]);
  assert.deepEqual(row(3), row(2));
  assert.deepEqual(row(4), new Array(10).fill(128));
});
