/** ReLU MLP: [Flatten] → (Linear[–BN]–ReLU) × depth → Linear. Weights are [in, out] (x·W + b). */
import type { GraphBuilder } from '../onnx/builder.js';
import { numel } from '../tensor.js';
import { BN_EPSILON, type BufferSpec, type ForwardResult, type MlpConfig, type ModelDef, type ParamSpec } from './types.js';
import { batchNorm, dense } from './layers.js';

export function mlp(config: MlpConfig): ModelDef {
  const d = numel(config.inputShape);
  const params: ParamSpec[] = [];
  const buffers: BufferSpec[] = [];
  let fanIn = d;
  config.widths.forEach((w, i) => {
    const k = i + 1;
    params.push({ name: `fc${k}.weight`, shape: [fanIn, w], init: 'he-normal', fanIn, fanOut: w });
    params.push({ name: `fc${k}.bias`, shape: [w], init: 'zeros', fanIn, fanOut: w });
    if (config.batchNorm) {
      params.push({ name: `bn${k}.weight`, shape: [w], init: 'ones', fanIn: w, fanOut: w });
      params.push({ name: `bn${k}.bias`, shape: [w], init: 'zeros', fanIn: w, fanOut: w });
      buffers.push({ name: `bn${k}.running_mean`, shape: [w], init: 'zeros' });
      buffers.push({ name: `bn${k}.running_var`, shape: [w], init: 'ones' });
    }
    fanIn = w;
  });
  params.push({ name: 'classifier.weight', shape: [fanIn, config.numClasses], init: 'glorot-uniform', fanIn, fanOut: config.numClasses });
  params.push({ name: 'classifier.bias', shape: [config.numClasses], init: 'zeros', fanIn, fanOut: config.numClasses });

  return {
    config,
    params,
    buffers,
    forward(b: GraphBuilder, x, t, mode): ForwardResult {
      const layers: ForwardResult['layers'] = [];
      const batchStats: ForwardResult['batchStats'] = [];
      let h = config.inputShape.length === 1 ? x : b.op('Flatten', [x], { axis: 1 });
      layers.push({ name: 'input', tensor: h });
      config.widths.forEach((_, i) => {
        const k = i + 1;
        h = dense(b, h, t(`fc${k}.weight`), t(`fc${k}.bias`));
        if (config.batchNorm) {
          const bn = batchNorm(b, h, { scale: t(`bn${k}.weight`), bias: t(`bn${k}.bias`), mean: t(`bn${k}.running_mean`), variance: t(`bn${k}.running_var`) }, mode, BN_EPSILON);
          h = bn.y;
          if (bn.batchMean) batchStats.push({ buffer: `bn${k}.running_mean`, value: bn.batchMean }, { buffer: `bn${k}.running_var`, value: bn.batchVar!, variancePerSample: 1 });
        }
        h = b.relu(h);
        layers.push({ name: `block${k}`, tensor: h });
      });
      const logits = dense(b, h, t('classifier.weight'), t('classifier.bias'));
      layers.push({ name: 'logits', tensor: logits });
      return { logits, layers, batchStats };
    },
  };
}
