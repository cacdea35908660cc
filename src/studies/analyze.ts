/**
 * `analyze`: a study of one model — every registered probe that applies (or the ones asked for), each its one library
 * call, with progress per probe, on one engine. A probe that cannot apply is skipped with its reason; a probe that
 * fails is recorded with its error and the others still run. Writing the results and the report is the Node
 * adapter's job (src/report/node.ts: writeAnalysis).
 */
import type { Dataset } from '../data/types.js';
import type { Engine } from '../engine/engine.js';
import { GeolensError } from '../errors.js';
import { modelInput } from '../measure/features.js';
import type { ProbeTarget } from '../measure/target.js';
import type { ImportedModel } from '../onnx/import.js';
import { VERSION } from '../version.js';
import { checkProbeOptions } from './options.js';
import { ANALYSIS_PROBES } from './probes/index.js';
import { ANALYSIS_SCHEMA_VERSION } from './schema.js';
import type { Analysis, AnalysisData, AnalysisProbe, AnalysisProbeRecord, AnalysisProgress, AnalysisResult, ProbeOptions, ProbeOutput } from './types.js';

export interface AnalyzeOptions {
  /** Probe names to run (default: every registered probe that applies). */
  probes?: readonly string[];
  /** Options per probe name, passed to its entry (e.g. { dim: { n: 128 } }); checked against the entry's option specs. */
  probeOptions?: Record<string, ProbeOptions>;
  /** Written into analysis.json. */
  command?: string | null;
  /** Start time written into analysis.json (default: now). */
  createdAt?: string;
  /** The registry to use (default ANALYSIS_PROBES). */
  registry?: ReadonlyMap<string, AnalysisProbe>;
  /**
   * Polled before each probe and at each of its progress reports; once true, the running probe is abandoned at its
   * next report and it and the probes not started are recorded as 'interrupted' (accuracy is then not measured: null).
   */
  shouldStop?: () => boolean;
  /** Called (and awaited) as each probe finishes with its output, e.g. to write its results at once. */
  onProbeDone?: (name: string, output: ProbeOutput) => Promise<void> | void;
}

/** Thrown from a probe's progress callback to abandon it when `shouldStop` turns true. */
class Interrupted extends Error {}

/** Parse a `--probes` value: 'all' or names separated by commas. Errors: BAD_ARGUMENT for an unknown name. */
export function parseProbeList(spec: string, registry: ReadonlyMap<string, AnalysisProbe> = ANALYSIS_PROBES): string[] | undefined {
  const names = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0 || names.includes('all')) return undefined;
  const unknown = names.filter((n) => !registry.has(n));
  if (unknown.length) throw new GeolensError('BAD_ARGUMENT', `unknown probe${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}; choose from: all, ${[...registry.keys()].join(', ')}.`);
  return [...new Set(names)];
}

/** Fraction of samples whose largest logit is their label (NaN without samples). */
export async function accuracyOf(engine: Engine, model: ImportedModel, data: Dataset): Promise<number> {
  const n = data.y.length;
  if (!n) return NaN;
  const sess = await engine.load(model.graph);
  const out = await sess.runBatched({ [model.input.name]: modelInput(model, data) }, [model.input.name], 1000, [model.logits]);
  const z = out[model.logits]!.data;
  const C = model.numClasses;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (z[i * C + c]! > z[i * C + best]!) best = c;
    if (best === data.y[i]) correct++;
  }
  return correct / n;
}

/** Why `probe` cannot measure the kind of model `target` is (a classifier or an autoencoder), or null when it can. */
export function modelKindReason(probe: AnalysisProbe, target: ProbeTarget): string | null {
  const needs = probe.needs ?? 'classifier';
  if (needs === 'classifier' && target.autoencoder) return 'needs a classifier; this run is an autoencoder.';
  if (needs === 'autoencoder' && !target.autoencoder) return `needs an autoencoder run (geolens train --model autoencoder); this model is a classifier.`;
  return null;
}

/** A line that says what the model is: its architecture for a run, its ops for an .onnx file. */
export function describeModel(target: ProbeTarget): string {
  const m = target.model;
  const cfg = target.run?.config.model;
  const d = (m.input.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  if (cfg?.kind === 'mlp') return `MLP ${[d, ...cfg.widths, cfg.numClasses].join(' → ')}, ${cfg.batchNorm ? 'Linear–BatchNorm–ReLU' : 'Linear–ReLU'} blocks`;
  if (cfg?.kind === 'autoencoder') {
    const enc = cfg.channels?.length ? `conv encoder of ${cfg.channels.join(', ')} channels${cfg.widths.length ? `, dense ${cfg.widths.join(' → ')}` : ''}` : `MLP encoder ${[d, ...cfg.widths].join(' → ')}`;
    return `Autoencoder [${cfg.inputShape.join('×')}]: ${enc} → ${cfg.bottleneck}-d code, mirrored decoder`;
  }
  if (cfg?.kind === 'cnn') return `CNN [${cfg.inputShape.join('×')}]: conv–ReLU–max-pool blocks of ${cfg.channels.join(', ')} channels${cfg.hidden ? `, dense ${cfg.hidden}` : ''} → ${cfg.numClasses} classes`;
  const ops = Object.entries(m.ops).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}×${v}`);
  return `ONNX classifier [${m.input.shape.slice(1).join('×')}] → ${m.numClasses} classes (${m.producer ? `${m.producer}, ` : ''}opset ${m.opset}): ${ops.slice(0, 8).join(', ')}${ops.length > 8 ? ', …' : ''}`;
}

function parameterCount(m: ImportedModel): number {
  let count = 0;
  for (const name of m.params) count += m.graph.initializers.get(name)?.data.length ?? 0;
  return count;
}

/**
 * Run the probes on `target` (a run's final model or an .onnx classifier) and `data`. Returns the manifest and the
 * outputs; never throws for a probe that fails (its record says why), only for bad options (BAD_ARGUMENT: an unknown
 * probe, or a probe option unknown, of the wrong type or out of range).
 */
export async function analyze(engine: Engine, target: ProbeTarget, data: AnalysisData, options: AnalyzeOptions = {}, onProgress?: AnalysisProgress): Promise<Analysis> {
  const registry = options.registry ?? ANALYSIS_PROBES;
  const chosen = options.probes ? [...options.probes] : [...registry.keys()];
  for (const name of chosen) if (!registry.has(name)) throw new GeolensError('BAD_ARGUMENT', `analyze: unknown probe '${name}'; choose from: ${[...registry.keys()].join(', ')}.`);
  try {
    checkProbeOptions(options.probeOptions ?? {}, registry);
  } catch (e) {
    throw new GeolensError('BAD_ARGUMENT', `analyze: ${(e as Error).message}`);
  }
  const createdAt = options.createdAt ?? new Date().toISOString();
  const plan = chosen.map((name) => {
    const p = registry.get(name)!;
    let why: true | string;
    try {
      why = modelKindReason(p, target) ?? p.applies(target, data);
    } catch (e) {
      why = `could not check whether it applies: ${(e as Error).message}`;
    }
    return { probe: p, reason: why === true ? null : why };
  });
  onProgress?.({ type: 'plan', probes: plan.map((x) => ({ name: x.probe.name, title: x.probe.title, runs: x.reason === null, reason: x.reason })) });

  const records: AnalysisProbeRecord[] = [];
  const outputs: Record<string, ProbeOutput> = {};
  for (const { probe, reason } of plan) {
    if (reason !== null) {
      records.push({ name: probe.name, title: probe.title, status: 'skipped', reason, seconds: null, files: [] });
      continue;
    }
    if (options.shouldStop?.()) {
      records.push({ name: probe.name, title: probe.title, status: 'interrupted', reason: 'not started: the analysis was interrupted.', seconds: null, files: [] });
      continue;
    }
    onProgress?.({ type: 'start', probe: probe.name });
    const t0 = Date.now();
    try {
      const out = await probe.run(engine, target, data, options.probeOptions?.[probe.name] ?? {}, (stage, done, total, detail) => {
        if (options.shouldStop?.()) throw new Interrupted(`interrupted at '${stage}' ${done}/${total}.`);
        onProgress?.({ type: 'progress', probe: probe.name, stage, done, total, ...(detail !== undefined ? { detail } : {}) });
      });
      await options.onProbeDone?.(probe.name, out);
      const seconds = Number(((Date.now() - t0) / 1000).toFixed(2));
      outputs[probe.name] = out;
      records.push({ name: probe.name, title: probe.title, status: 'ok', reason: null, seconds, files: [...Object.keys(out.results).map((f) => `${f}.json`), ...Object.keys(out.images ?? {})] });
      onProgress?.({ type: 'end', probe: probe.name, status: 'ok', seconds, reason: null });
    } catch (e) {
      const seconds = Number(((Date.now() - t0) / 1000).toFixed(2));
      if (e instanceof Interrupted || options.shouldStop?.()) {
        const why = e instanceof Interrupted ? e.message : `interrupted; it stopped with: ${(e as Error).message}`;
        records.push({ name: probe.name, title: probe.title, status: 'interrupted', reason: why, seconds, files: [] });
        onProgress?.({ type: 'end', probe: probe.name, status: 'interrupted', seconds, reason: why });
        continue;
      }
      const why = e instanceof GeolensError ? `[${e.code}] ${e.message}` : `${(e as Error).name}: ${(e as Error).message}`;
      records.push({ name: probe.name, title: probe.title, status: 'failed', reason: why, seconds, files: [] });
      onProgress?.({ type: 'end', probe: probe.name, status: 'failed', seconds, reason: why });
    }
  }

  const m = target.model;
  const cfg = target.run?.config;
  const one = data.parts === 'one-dataset';
  const manifest: AnalysisResult = {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    probe: 'analysis',
    geolensVersion: VERSION,
    createdAt,
    command: options.command ?? null,
    model: { source: target.path, kind: target.kind, description: describeModel(target), inputShape: m.input.shape.slice(1) as number[], numClasses: target.autoencoder ? 0 : m.numClasses, parameters: parameterCount(m), ops: { ...m.ops } },
    training: cfg
      ? { dataset: cfg.dataset.spec, epochs: cfg.train.epochs, optimizer: cfg.train.optimizer, lr: cfg.train.lr, batchSize: cfg.train.batchSize, seed: cfg.train.seed, checkpoints: target.run!.checkpoints.length }
      : null,
    data: { spec: data.spec, name: one ? data.test.name : (cfg?.dataset.name ?? data.train.name.replace(/-train$/, '')), parts: data.parts, numClasses: data.test.numClasses, sampleShape: data.test.sampleShape, train: data.train.y.length, test: data.test.y.length },
    // an autoencoder has no classes, hence no accuracy; an interrupted analysis does not measure it
    accuracy: target.autoencoder || records.some((r) => r.status === 'interrupted') ? { train: null, test: null } : { train: one ? null : await accuracyOf(engine, m, data.train), test: await accuracyOf(engine, m, data.test) },
    probes: records,
  };
  return { manifest, outputs };
}
