/** `geolens train`: train a model on a dataset into a run directory. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadDataset } from '../data/node.js';
import type { Dataset } from '../data/types.js';
import { createNodeEngine } from '../engine/node.js';
import type { ModelConfig } from '../models/index.js';
import { RunDir, type RunConfig } from '../train/node.js';
import { splitForRun } from '../train/run-split.js';
import { OPTIMIZERS, type OptimizerName } from '../train/optimizers.js';
import { makeRunConfig, trainRun, type TrainRunResult } from '../train/run-training.js';
import { numberFlag, parseFlags, parseWidths, usage, UsageError, type FlagSpec } from './args.js';
import { gracefulInterrupt } from './interrupt.js';
import { resumeFlagCheck } from './train-resume.js';
import { datasetSpecHelp } from './probe-common.js';
import { createProgress } from './progress.js';


const FLAGS: FlagSpec = {
  dataset: { type: 'string', default: 'manifold', help: "moons | spirals | circles | manifold | idx:<dir> | cifar:<dir> | npz:<file> | npy:<x>,<y> | csv:<file>" },
  model: { type: 'string', default: 'mlp', choices: ['mlp', 'cnn', 'autoencoder', 'conv-autoencoder'], help: 'architecture (autoencoders learn to reconstruct the input: mean squared error)' },
  widths: { type: 'string', default: '64x3', help: 'MLP hidden widths, e.g. 100x8 or 256,256 (autoencoder: the encoder; the decoder mirrors it)' },
  bottleneck: { type: 'string', default: '8', help: 'autoencoders: size of the code (latent space)' },
  'batch-norm': { type: 'boolean', default: false, help: 'MLP blocks Linear–BN–ReLU' },
  channels: { type: 'string', default: '8,16', help: 'CNN / conv-autoencoder conv channels' },
  hidden: { type: 'string', default: '64', help: 'CNN / conv-autoencoder dense hidden width (0: none)' },
  epochs: { type: 'string', default: '30', help: 'training epochs' },
  'batch-size': { type: 'string', default: '128', help: 'minibatch size' },
  lr: { type: 'string', help: 'learning rate [default: 0.05 sgd/momentum, 0.001 adam]' },
  optimizer: { type: 'string', default: 'momentum', choices: OPTIMIZERS, help: 'optimizer' },
  momentum: { type: 'string', default: '0.9', help: 'momentum coefficient (momentum optimizer)' },
  'weight-decay': { type: 'string', default: '0', help: 'L2 weight decay' },
  'lr-schedule': { type: 'string', default: 'constant', help: 'constant | cosine | step:<every>:<gamma> | multistep:<e1,e2>:<gamma>' },
  seed: { type: 'string', default: '1', help: 'seed for data split, initialisation and shuffling' },
  'test-fraction': { type: 'string', default: '0.2', help: 'held-out fraction (seeded, stratified split)' },
  limit: { type: 'string', help: 'use only the first N samples of the dataset (before splitting)' },
  'record-every': { type: 'string', default: '0', help: 'record the weights every k steps into trajectory.safetensors (0: off)' },
  'record-last': { type: 'string', default: '0', help: 'record the weights of the last N steps (0: off)' },
  'checkpoint-every': { type: 'string', default: '1', help: 'write a checkpoint every k epochs (the last epoch always)' },
  out: { type: 'string', help: 'run directory [default: runs/<dataset>-<model>-<time>]' },
  resume: { type: 'boolean', default: false, help: 'continue the run in --out from its last checkpoint' },
  threads: { type: 'string', help: 'onnxruntime intra-op threads [default: all cores]' },
  provider: { type: 'string', default: 'cpu', choices: ['cpu', 'cuda'], help: 'onnxruntime execution provider (cuda needs an onnxruntime-node build with CUDA)' },
  quiet: { type: 'boolean', default: false, help: 'print only the summary' },
  help: { type: 'boolean', short: 'h', default: false, help: 'show this help' },
};

const SUMMARY = 'Train a classifier or an autoencoder geolens builds itself (forward, loss, gradients and update run as one onnxruntime session per step).';

function modelConfig(values: Record<string, string | boolean | undefined>, ds: Dataset): ModelConfig {
  if (values.model === 'autoencoder' || values.model === 'conv-autoencoder') {
    const bottleneck = numberFlag('train', 'bottleneck', values.bottleneck, { integer: true, min: 1 });
    if (values.model === 'autoencoder') return { kind: 'autoencoder', inputShape: ds.sampleShape, widths: parseWidths('train', String(values.widths)), bottleneck };
    const channels = String(values.channels).split(',').map((c) => numberFlag('train', 'channels', c, { integer: true, min: 1 }));
    const inputShape = ds.sampleShape.length === 3 ? ds.sampleShape : ds.sampleShape.length === 2 ? [1, ...ds.sampleShape] : undefined;
    if (!inputShape) throw new UsageError(`geolens train: --model conv-autoencoder needs image data ([c,h,w] samples); ${ds.name} has samples of shape [${ds.sampleShape.join(', ')}]. Use --model autoencoder.`);
    const hidden = numberFlag('train', 'hidden', values.hidden, { integer: true, min: 0 });
    return { kind: 'autoencoder', inputShape, widths: hidden > 0 ? [hidden] : [], bottleneck, channels };
  }
  if (values.model === 'cnn') {
    const channels = String(values.channels).split(',').map((c) => numberFlag('train', 'channels', c, { integer: true, min: 1 }));
    const inputShape = ds.sampleShape.length === 3 ? ds.sampleShape : ds.sampleShape.length === 2 ? [1, ...ds.sampleShape] : undefined;
    if (!inputShape) throw new UsageError(`geolens train: --model cnn needs image data ([c,h,w] samples); ${ds.name} has samples of shape [${ds.sampleShape.join(', ')}]. Use --model mlp.`);
    return { kind: 'cnn', inputShape, channels, hidden: numberFlag('train', 'hidden', values.hidden, { integer: true, min: 0 }), numClasses: ds.numClasses };
  }
  return { kind: 'mlp', inputShape: ds.sampleShape, widths: parseWidths('train', String(values.widths)), numClasses: ds.numClasses, batchNorm: values['batch-norm'] === true };
}

export async function trainCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values } = parseFlags('train', argv, FLAGS);
  if (values.help) {
    out(usage('train', SUMMARY, FLAGS) + '\n\n' + datasetSpecHelp());
    return 0;
  }
  const progress = createProgress(process.stderr, { quiet: values.quiet === true });
  const resume = values.resume === true;
  let outDir = typeof values.out === 'string' ? resolve(values.out) : undefined;
  if (resume && !outDir) throw new UsageError('geolens train: --resume needs --out <run directory>.');

  let config: RunConfig;
  let run: RunDir;
  let ds: Dataset;
  if (resume && outDir && existsSync(resolve(outDir, 'config.json'))) {
    const opened = await RunDir.open(outDir);
    config = opened.config;
    // the flags on the command line (no defaults), checked against the saved config before anything is loaded
    const given = parseFlags('train', argv, Object.fromEntries(Object.entries(FLAGS).map(([k, { default: _, ...f }]) => [k, f]))).values;
    const ignored = resumeFlagCheck(given, config, outDir);
    if (ignored) out(ignored);
    run = opened.run;
    ds = await loadDataset(config.dataset.spec, { seed: config.train.seed });
  } else {
    if (resume) throw new UsageError(`geolens train: --resume: ${outDir} holds no run to resume.`);
    const seed = numberFlag('train', 'seed', values.seed, { integer: true, min: 0 });
    ds = await loadDataset(String(values.dataset), { seed });
    const optimizer = values.optimizer as OptimizerName;
    config = makeRunConfig(
      {
        datasetSpec: String(values.dataset),
        model: modelConfig(values, ds),
        optimizer,
        lr: values.lr !== undefined ? numberFlag('train', 'lr', values.lr, { min: 0 }) : optimizer === 'adam' ? 1e-3 : 0.05,
        momentum: numberFlag('train', 'momentum', values.momentum, { min: 0, max: 1 }),
        weightDecay: numberFlag('train', 'weight-decay', values['weight-decay'], { min: 0 }),
        lrSchedule: String(values['lr-schedule']),
        epochs: numberFlag('train', 'epochs', values.epochs, { integer: true, min: 1 }),
        batchSize: numberFlag('train', 'batch-size', values['batch-size'], { integer: true, min: 1 }),
        seed,
        recordEvery: numberFlag('train', 'record-every', values['record-every'], { integer: true, min: 0 }),
        recordLast: numberFlag('train', 'record-last', values['record-last'], { integer: true, min: 0 }),
        checkpointEvery: numberFlag('train', 'checkpoint-every', values['checkpoint-every'], { integer: true, min: 1 }),
        testFraction: numberFlag('train', 'test-fraction', values['test-fraction'], { min: 0, max: 0.9 }),
        ...(values.limit !== undefined ? { limit: numberFlag('train', 'limit', values.limit, { integer: true, min: 2 }) } : {}),
      },
      ds,
    );
    outDir ??= resolve('runs', `${ds.name.replace(/[^\w.-]+/g, '_')}-${config.model.kind}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
    run = await RunDir.create(outDir, config);
  }
  const { train, test } = splitForRun(ds, config);
  const t = config.train;
  const threads = values.threads !== undefined ? numberFlag('train', 'threads', values.threads, { integer: true, min: 1 }) : undefined;
  const engine = createNodeEngine({ ...(threads !== undefined ? { threads } : {}), provider: values.provider as 'cpu' | 'cuda' });

  const m0 = config.model;
  const reconstruction = m0.kind === 'autoencoder';
  const interrupt = gracefulInterrupt(progress, 'stopping after this step; the last checkpoint stays valid');
  let result: TrainRunResult;
  try {
    result = await trainRun(engine, run, config, ds, {
      resume,
      shouldStop: interrupt.stopped,
      onLine: (l) => progress.line(l),
      onStart: ({ numParams }) => {
        progress.line(`geolens train: ${ds.name} (${train.y.length} train / ${test.y.length} test, ${ds.numClasses} classes, sample [${ds.sampleShape.join('×')}]) → ${m0.kind}${m0.kind === 'autoencoder' ? ` (code size ${m0.bottleneck}, loss: mean squared reconstruction error)` : ''} with ${numParams.toLocaleString('en-US')} parameters, ${t.optimizer} lr ${t.lr}, ${t.epochs} epochs`);
        for (const note of ds.notes ?? []) progress.line(`  data: ${note}`);
      },
      onStep: (p) => progress.update(`epoch ${p.epoch}/${p.epochs}`, p.batch, p.batches, `loss ${p.loss.toFixed(4)}`),
      onEpoch: (m) =>
        progress.line(
          reconstruction
            ? `epoch ${String(m.epoch).padStart(3)}/${t.epochs}  reconstruction MSE ${m.trainLoss.toPrecision(4)}` + (m.testLoss !== undefined ? `  held-out MSE ${m.testLoss.toPrecision(4)}` : '') + `  ${m.seconds.toFixed(2)}s`
            : `epoch ${String(m.epoch).padStart(3)}/${t.epochs}  loss ${m.trainLoss.toFixed(4)}  train acc ${(100 * (m.trainAccuracy ?? NaN)).toFixed(1)}%` +
                (m.testAccuracy !== undefined ? `  test loss ${m.testLoss!.toFixed(4)}  test acc ${(100 * m.testAccuracy).toFixed(1)}%` : '') +
                `  ${m.seconds.toFixed(2)}s`,
        ),
    });
  } finally {
    progress.done();
    interrupt.dispose();
    await engine.dispose();
  }
  if (result.outcome === 'interrupted') {
    out(`interrupted after epoch ${result.checkpoints[result.checkpoints.length - 1] ?? 0}; resume with: npx geolens train --resume --out ${outDir}`);
    return 130;
  }
  const { last, seconds: secs, steps, stepsRun } = result;
  out('');
  if (stepsRun === 0) out(`nothing left to train: the run is complete (${config.model.kind} on ${ds.name}: ${t.epochs} epochs, ${steps} steps)`);
  else out(`trained ${config.model.kind} on ${ds.name}: ${t.epochs} epochs, ${steps} steps${stepsRun !== steps ? ` (${stepsRun} in this session)` : ''} in ${secs.toFixed(1)}s (${(stepsRun / Math.max(secs, 1e-9)).toFixed(0)} steps/s)`);
  if (last && reconstruction) {
    out(`  final reconstruction MSE ${last.trainLoss.toPrecision(4)} (train)` + (last.testLoss !== undefined ? `, ${last.testLoss.toPrecision(4)} (held-out)` : ''));
  } else if (last) {
    out(`  final train loss ${last.trainLoss.toFixed(4)}, train acc ${(100 * (last.trainAccuracy ?? NaN)).toFixed(2)}%` + (last.testAccuracy !== undefined ? `, held-out loss ${last.testLoss!.toFixed(4)}, held-out acc ${(100 * last.testAccuracy).toFixed(2)}%` : ''));
  }
  out(`  run directory: ${outDir}`);
  out(`  files: config.json, metrics.jsonl, model.onnx${reconstruction ? ' (x → reconstruction), encoder.onnx, decoder.onnx' : ''}, weights/ (${result.checkpoints.length} checkpoints + final.safetensors)${result.trajectory ? ', trajectory.safetensors' : ''}`);
  return 0;
}
