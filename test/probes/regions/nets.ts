/** Small ONNX classifiers for the regions tests, built with GraphBuilder and imported as a user's model would be. */
import { GraphBuilder } from '../../../src/onnx/builder.js';
import { importClassifier, type ImportedModel } from '../../../src/onnx/import.js';
import { Rng } from '../../../src/util/random.js';

export type Layer = { W: number[][]; b: number[] };

/** An MLP x → [Gemm(W, b) → Relu]* → Gemm: W as [in][out] rows; `act` picks the rectifier. */
export function mlp(inputDim: number, hidden: Layer[], out: Layer, act: 'Relu' | 'LeakyRelu' = 'Relu'): ImportedModel {
  const g = new GraphBuilder('mlp');
  let h = g.input('input', ['N', inputDim]);
  const all = [...hidden, out];
  all.forEach((l, i) => {
    const nin = l.W.length;
    const nout = l.W[0]!.length;
    const w = g.init(`fc${i}.weight`, { data: Float32Array.from(l.W.flat()), shape: [nin, nout] });
    const b = g.init(`fc${i}.bias`, { data: Float32Array.from(l.b), shape: [nout] });
    h = g.op('Gemm', [h, w, b]);
    if (i < hidden.length) h = act === 'Relu' ? g.op('Relu', [h]) : g.op('LeakyRelu', [h], { alpha: 0.1 });
  });
  g.namedOutput('logits', h, ['N', out.W[0]!.length]);
  return importClassifier(g.toModel(), { source: 'test-mlp' });
}

/** A random layer (weights N(0, 1/in), biases N(0, bias²)), float32-representable so graph and float64 agree. */
export function randomLayer(rng: Rng, nin: number, nout: number, bias = 0.5): Layer {
  const f = (v: number): number => Math.fround(v);
  return {
    W: Array.from({ length: nin }, () => Array.from({ length: nout }, () => f(rng.normal() / Math.sqrt(nin)))),
    b: Array.from({ length: nout }, () => f(rng.normal() * bias)),
  };
}

export function randomMlp(seed: number, widths: number[], classes = 3, act: 'Relu' | 'LeakyRelu' = 'Relu'): ImportedModel {
  const rng = new Rng(seed);
  const hidden: Layer[] = [];
  for (let i = 1; i < widths.length; i++) hidden.push(randomLayer(rng, widths[i - 1]!, widths[i]!));
  return mlp(widths[0]!, hidden, randomLayer(rng, widths[widths.length - 1]!, classes), act);
}
