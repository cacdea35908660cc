/**
 * Minimal PNG encoding for probe results (8-bit grayscale or RGB, no interlacing), e.g. the image strips of the DIM
 * foliation walks. Pure byte builders over fflate's zlib: the same pixels give the same file, in Node and in the
 * browser.
 */
import { zlibSync } from 'fflate';
import { crc32 } from '../util/crc32.js';

/** Pixels between the frames of imageGridPng (and around them). */
export const PNG_GRID_GAP = 2;

const PNG_SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

/** One PNG chunk: length, type, data, CRC-32 of type + data. */
function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encode 8-bit grayscale (channels 1) or RGB (channels 3) pixels, row-major with interleaved channels
 * (`width × height × channels` bytes), as a PNG file. Every scanline uses filter type 0 (none).
 */
export function encodePng(width: number, height: number, channels: 1 | 3, pixels: Uint8Array): Uint8Array {
  const stride = width * channels;
  if (pixels.length !== stride * height) {
    throw new RangeError(`encodePng: ${pixels.length} bytes of pixels, but ${width}×${height}×${channels} needs ${stride * height}`);
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : 2; // colour type: grayscale or truecolour
  const raw = new Uint8Array((stride + 1) * height);
  for (let r = 0; r < height; r++) raw.set(pixels.subarray(r * stride, (r + 1) * stride), r * (stride + 1) + 1);
  const parts = [PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', zlibSync(raw)), pngChunk('IEND', new Uint8Array(0))];
  const png = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    png.set(p, off);
    off += p.length;
  }
  return png;
}

/**
 * A grid of images as one PNG (rows of frames, e.g. one row per walk and one column per recorded step) on a mid-grey
 * background with 2-pixel gaps. Each frame holds `sampleShape` values ([H, W], [1, H, W] or [3, H, W], planar),
 * mapped linearly from `range` to 0–255 (clamped) and upscaled by the integer `scale`.
 */
export function imageGridPng(rows: Float64Array[][], sampleShape: number[], range: [number, number], scale: number): Uint8Array {
  const ch = sampleShape.length === 3 ? sampleShape[0]! : 1;
  const H = sampleShape[sampleShape.length - 2]!;
  const W = sampleShape[sampleShape.length - 1]!;
  const channels: 1 | 3 = ch === 3 ? 3 : 1;
  const gap = PNG_GRID_GAP;
  const cols = Math.max(...rows.map((r) => r.length));
  const tw = W * scale + gap;
  const th = H * scale + gap;
  const width = cols * tw + gap;
  const height = rows.length * th + gap;
  const px = new Uint8Array(width * height * channels).fill(128);
  const [lo, hi] = range;
  const span = hi > lo ? hi - lo : 1;
  rows.forEach((frames, ri) => {
    frames.forEach((img, ci) => {
      for (let r = 0; r < H * scale; r++) {
        for (let c = 0; c < W * scale; c++) {
          const sr = Math.floor(r / scale);
          const sc = Math.floor(c / scale);
          const y = gap + ri * th + r;
          const x = gap + ci * tw + c;
          for (let k = 0; k < channels; k++) {
            const plane = channels === 1 ? 0 : k;
            const v = img[plane * H * W + sr * W + sc]!;
            px[(y * width + x) * channels + k] = Math.round(255 * Math.min(1, Math.max(0, (v - lo) / span)));
          }
        }
      }
    });
  });
  return encodePng(width, height, channels, px);
}
