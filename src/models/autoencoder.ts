/**
 * Autoencoders (for the semi-discrete optimal transport probe in latent space, AE-OT: Lei, Luo, Yau, Gu,
 * "Geometric Understanding of Deep Learning", arXiv 1805.10451, §5 of METHODS.md).
 *
 * MLP:  [Flatten] → (Linear–ReLU) × widths → Linear → code [N, bottleneck]
 *       → (Linear–ReLU) × reversed widths → Linear → Reshape → reconstruction [N, ...inputShape]
 * Conv (`channels` set; input [C, H, W] with H and W divisible by 2^blocks):
 *       (Conv3×3–ReLU–MaxPool2) × channels → Flatten → (Linear–ReLU) × widths → Linear → code
 *       → (Linear–ReLU) × reversed widths → Linear–ReLU → Reshape [c, h, w]
 *       → (Upsample×2 nearest → Conv3×3 [→ ReLU, not on the last]) × reversed channels → reconstruction
 * The code and the reconstruction are linear (no activation). The training loss is the mean squared reconstruction
 * error over all values (`loss: 'mean-squared-error'`, PyTorch's MSELoss with reduction 'mean'), differentiated by
 * geolens' own autodiff like the classifiers' cross-entropy.
 *
 * Nearest-neighbour upsampling is Reshape → Expand → Reshape, ops geolens already differentiates (ONNX Resize has no
 * gradient rule here). Encoder and decoder are also separate graphs (`autoencoderGraphs`): encode x → code, decode
 * code → x̂.
 */
import { GeolensError } from '../errors.js';
import { GraphBuilder } from '../onnx/builder.js';
import { numel } from '../tensor.js';
import type { Weights } from './init.js';
import { conv3x3, dense, maxPool2 } from './layers.js';
import type { AutoencoderConfig, ForwardResult, ModelDef, ParamSpec } from './types.js';

/** A model definition that is an autoencoder: also builds its encoder and decoder on their own. */
export interface AutoencoderDef extends ModelDef {
  config: AutoencoderConfig;
  loss: 'mean-squared-error';
  /** Append the encoder: x [N, ...inputShape] → code [N, bottleneck]; also returns the probe-able layers on the way. */
  encode(b: GraphBuilder, x: string, t: (name: string) => string): { code: string; layers: ForwardResult['layers'] };
  /** Append the decoder: code [N, bottleneck] → reconstruction [N, ...inputShape]. */
  decode(b: GraphBuilder, code: string, t: (name: string) => string): { reconstruction: string; layers: ForwardResult['layers'] };
}

/** True when `def` is an autoencoder definition. */
export function isAutoencoder(def: ModelDef): def is AutoencoderDef {
  return def.config.kind === 'autoencoder';
}

/** Upsample [N, c, h, w] by 2 in both spatial axes (nearest neighbour) with Reshape → Expand → Reshape. */
export function upsample2(b: GraphBuilder, x: string, c: number, h: number, w: number): string {
  const r = b.reshape(x, [-1, c, h, 1, w, 1]);
  const e = b.op('Expand', [r, b.constInt64([1, 1, 1, 2, 1, 2])]);
  return b.reshape(e, [-1, c, 2 * h, 2 * w]);
}

export function autoencoder(config: AutoencoderConfig): AutoencoderDef {
  const bad = (m: string): never => {
    throw new GeolensError('BAD_ARGUMENT', `autoencoder: ${m}`);
  };
  if (!Number.isInteger(config.bottleneck) || config.bottleneck < 1) bad(`the bottleneck must be a positive integer (got ${config.bottleneck}); pass e.g. --bottleneck 8.`);
  if (config.widths.some((w) => !Number.isInteger(w) || w < 1)) bad(`widths must be positive integers (got ${config.widths.join(', ')}).`);
  const channels = config.channels ?? [];
  const conv = channels.length > 0;
  const d = numel(config.inputShape);
  const params: ParamSpec[] = [];
  const lin = (name: string, fanIn: number, fanOut: number, init: ParamSpec['init']): void => {
    params.push({ name: `${name}.weight`, shape: [fanIn, fanOut], init, fanIn, fanOut });
    params.push({ name: `${name}.bias`, shape: [fanOut], init: 'zeros', fanIn, fanOut });
  };
  const convParam = (name: string, cin: number, cout: number, init: ParamSpec['init']): void => {
    params.push({ name: `${name}.weight`, shape: [cout, cin, 3, 3], init, fanIn: cin * 9, fanOut: cout * 9 });
    params.push({ name: `${name}.bias`, shape: [cout], init: 'zeros', fanIn: cin * 9, fanOut: cout * 9 });
  };

  // encoder parameters
  let c0 = 0;
  let h0 = 0;
  let w0 = 0;
  let flat = d;
  // the spatial shape before each conv block (the decoder walks these back)
  const shapes: [number, number, number][] = [];
  if (conv) {
    if (config.inputShape.length !== 3) bad(`a conv autoencoder needs [channels, height, width] samples, got [${config.inputShape.join(', ')}]; use the MLP autoencoder for vector data.`);
    [c0, h0, w0] = config.inputShape as [number, number, number];
    let [c, h, w] = [c0, h0, w0];
    channels.forEach((out, i) => {
      if (h % 2 !== 0 || w % 2 !== 0) bad(`${channels.length} pooling blocks need height and width divisible by ${2 ** channels.length} (the decoder upsamples by 2 per block), but block ${i + 1} sees ${h}×${w}; use fewer --channels or resize the data (#resize=HxW).`);
      shapes.push([c, h, w]);
      convParam(`encoder.conv${i + 1}`, c, out, 'he-normal');
      [c, h, w] = [out, h / 2, w / 2];
    });
    flat = c * h * w;
  }
  let fanIn = flat;
  config.widths.forEach((w, i) => {
    lin(`encoder.fc${i + 1}`, fanIn, w, 'he-normal');
    fanIn = w;
  });
  lin('encoder.code', fanIn, config.bottleneck, 'glorot-uniform');
  // decoder parameters (mirror)
  fanIn = config.bottleneck;
  const rev = [...config.widths].reverse();
  rev.forEach((w, i) => {
    lin(`decoder.fc${i + 1}`, fanIn, w, 'he-normal');
    fanIn = w;
  });
  if (conv) {
    lin('decoder.unflatten', fanIn, flat, 'he-normal');
    for (let k = channels.length; k >= 1; k--) {
      const cin = channels[k - 1]!;
      const cout = k > 1 ? channels[k - 2]! : c0;
      convParam(`decoder.conv${channels.length - k + 1}`, cin, cout, k > 1 ? 'he-normal' : 'glorot-uniform');
    }
  } else lin('decoder.out', fanIn, d, 'glorot-uniform');

  const encode: AutoencoderDef['encode'] = (b, x, t) => {
    const layers: ForwardResult['layers'] = [];
    let y = x;
    if (conv) {
      layers.push({ name: 'input', tensor: x });
      channels.forEach((_, i) => {
        y = maxPool2(b, b.relu(conv3x3(b, y, t(`encoder.conv${i + 1}.weight`), t(`encoder.conv${i + 1}.bias`))));
        layers.push({ name: `encoder.block${i + 1}`, tensor: y });
      });
      y = b.op('Flatten', [y], { axis: 1 });
    } else {
      y = config.inputShape.length === 1 ? x : b.op('Flatten', [x], { axis: 1 });
      layers.push({ name: 'input', tensor: y });
    }
    config.widths.forEach((_, i) => {
      y = b.relu(dense(b, y, t(`encoder.fc${i + 1}.weight`), t(`encoder.fc${i + 1}.bias`)));
      layers.push({ name: `encoder.fc${i + 1}`, tensor: y });
    });
    const code = dense(b, y, t('encoder.code.weight'), t('encoder.code.bias'));
    layers.push({ name: 'code', tensor: code });
    return { code, layers };
  };

  const decode: AutoencoderDef['decode'] = (b, code, t) => {
    const layers: ForwardResult['layers'] = [];
    let y = code;
    rev.forEach((_, i) => {
      y = b.relu(dense(b, y, t(`decoder.fc${i + 1}.weight`), t(`decoder.fc${i + 1}.bias`)));
      layers.push({ name: `decoder.fc${i + 1}`, tensor: y });
    });
    if (conv) {
      y = b.relu(dense(b, y, t('decoder.unflatten.weight'), t('decoder.unflatten.bias')));
      const K = channels.length;
      const [, hK, wK] = shapes[K - 1]!;
      y = b.reshape(y, [-1, channels[K - 1]!, hK / 2, wK / 2]);
      for (let j = 1; j <= K; j++) {
        const k = K - j + 1; // the encoder block this one mirrors
        const cin = channels[k - 1]!;
        const [, hk, wk] = shapes[k - 1]!;
        y = upsample2(b, y, cin, hk / 2, wk / 2);
        y = conv3x3(b, y, t(`decoder.conv${j}.weight`), t(`decoder.conv${j}.bias`));
        if (j < K) {
          y = b.relu(y);
          layers.push({ name: `decoder.block${j}`, tensor: y });
        }
      }
    } else {
      y = dense(b, y, t('decoder.out.weight'), t('decoder.out.bias'));
      if (config.inputShape.length !== 1) y = b.reshape(y, [-1, ...config.inputShape]);
    }
    layers.push({ name: 'reconstruction', tensor: y });
    return { reconstruction: y, layers };
  };

  return {
    config,
    params,
    buffers: [],
    loss: 'mean-squared-error',
    encode,
    decode,
    forward(b, x, t): ForwardResult {
      const e = encode(b, x, t);
      const dec = decode(b, e.code, t);
      return { logits: dec.reconstruction, code: e.code, layers: [...e.layers, ...dec.layers], batchStats: [] };
    },
  };
}

/** Mean squared error over all values of a and b (same shapes): ReduceMean((a − b)²) as a scalar. */
export function meanSquaredError(b: GraphBuilder, a: string, target: string): string {
  const diff = b.sub(a, target);
  return b.op('ReduceMean', [b.mul(diff, diff)], { keepdims: 0 });
}

/** Names of the inputs and outputs of the encoder and decoder graphs. */
export const AUTOENCODER_IO = { input: 'input', code: 'code', reconstruction: 'reconstruction' } as const;

/**
 * The encoder (input [N, ...inputShape] → code [N, bottleneck]) and the decoder (code [N, bottleneck] →
 * reconstruction [N, ...inputShape]) as separate inference graphs with the weights as initializers (what
 * `encoder.onnx` and `decoder.onnx` of an autoencoder run hold). Only the parameters each half uses are included.
 */
export function autoencoderGraphs(def: AutoencoderDef, params: Weights): { encoder: GraphBuilder; decoder: GraphBuilder } {
  const half = (name: string, prefix: string): GraphBuilder => {
    const b = new GraphBuilder(name);
    for (const p of def.params) if (p.name.startsWith(prefix)) b.init(p.name, params[p.name]!);
    return b;
  };
  const enc = half('geolens_autoencoder_encoder', 'encoder.');
  const x = enc.input(AUTOENCODER_IO.input, ['N', ...def.config.inputShape]);
  enc.namedOutput(AUTOENCODER_IO.code, def.encode(enc, x, (n) => n).code, ['N', def.config.bottleneck]);
  const dec = half('geolens_autoencoder_decoder', 'decoder.');
  const z = dec.input(AUTOENCODER_IO.code, ['N', def.config.bottleneck]);
  dec.namedOutput(AUTOENCODER_IO.reconstruction, def.decode(dec, z, (n) => n).reconstruction, ['N', ...def.config.inputShape]);
  return { encoder: enc, decoder: dec };
}
