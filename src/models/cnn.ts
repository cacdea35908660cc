/** Small CNN: (Conv3×3–ReLU–MaxPool2) × blocks → Flatten → [Dense–ReLU] → Dense. */
import { GeolensError } from '../errors.js';
import type { GraphBuilder } from '../onnx/builder.js';
import { conv3x3, dense, maxPool2 } from './layers.js';
import type { CnnConfig, ForwardResult, ModelDef, ParamSpec } from './types.js';

export function cnn(config: CnnConfig): ModelDef {
  if (config.inputShape.length !== 3) {
    throw new GeolensError('BAD_ARGUMENT', `cnn: input shape must be [channels, height, width], got [${config.inputShape.join(', ')}]; use --model mlp for vector data.`);
  }
  let [c, h, w] = config.inputShape as [number, number, number];
  const params: ParamSpec[] = [];
  config.channels.forEach((out, i) => {
    const k = i + 1;
    params.push({ name: `conv${k}.weight`, shape: [out, c, 3, 3], init: 'he-normal', fanIn: c * 9, fanOut: out * 9 });
    params.push({ name: `conv${k}.bias`, shape: [out], init: 'zeros', fanIn: c * 9, fanOut: out * 9 });
    c = out;
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
    if (h < 1 || w < 1) throw new GeolensError('BAD_ARGUMENT', `cnn: ${config.channels.length} pooling blocks shrink a ${config.inputShape.slice(1).join('×')} image to nothing; use fewer --channels.`);
  });
  let fanIn = c * h * w;
  if (config.hidden > 0) {
    params.push({ name: 'fc1.weight', shape: [fanIn, config.hidden], init: 'he-normal', fanIn, fanOut: config.hidden });
    params.push({ name: 'fc1.bias', shape: [config.hidden], init: 'zeros', fanIn, fanOut: config.hidden });
    fanIn = config.hidden;
  }
  params.push({ name: 'classifier.weight', shape: [fanIn, config.numClasses], init: 'glorot-uniform', fanIn, fanOut: config.numClasses });
  params.push({ name: 'classifier.bias', shape: [config.numClasses], init: 'zeros', fanIn, fanOut: config.numClasses });

  return {
    config,
    params,
    buffers: [],
    forward(b: GraphBuilder, x, t): ForwardResult {
      const layers: ForwardResult['layers'] = [{ name: 'input', tensor: x }];
      let y = x;
      config.channels.forEach((_, i) => {
        const k = i + 1;
        y = maxPool2(b, b.relu(conv3x3(b, y, t(`conv${k}.weight`), t(`conv${k}.bias`))));
        layers.push({ name: `block${k}`, tensor: y });
      });
      y = b.op('Flatten', [y], { axis: 1 });
      if (config.hidden > 0) {
        y = b.relu(dense(b, y, t('fc1.weight'), t('fc1.bias')));
        layers.push({ name: 'fc1', tensor: y });
      }
      const logits = dense(b, y, t('classifier.weight'), t('classifier.bias'));
      layers.push({ name: 'logits', tensor: logits });
      return { logits, layers, batchStats: [] };
    },
  };
}
