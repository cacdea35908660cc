/** `geolens probe <name>`: run one probe on a run directory or an .onnx model. */
import { UsageError } from './args.js';

type Command = (argv: string[], out: (line: string) => void) => Promise<number>;

export const PROBES: Record<string, { load: () => Promise<Command>; help: string }> = {
  separation: { load: async () => (await import('./probe-separation.js')).separationCommand, help: 'law of data separation: fuzziness D_l per layer, fit of log D_l = a + l·log ρ' },
  dim: { load: async () => (await import('./probe-dim.js')).dimCommand, help: 'Data Information Matrix: spectra, foliation walks, distances between datasets' },
  topology: { load: async () => (await import('./probe-topology.js')).topologyCommand, help: 'metric topology of classifiers: distances between networks, classes, MDS (several targets)' },
  magnitude: { load: async () => (await import('./probe-magnitude.js')).magnitudeCommand, help: 'magnitude function, magnitude dimension of a trajectory, representation or point cloud' },
  regions: { load: async () => (await import('./probe-regions.js')).regionsCommand, help: 'exact linear regions on a plane or segment: tiling, decision boundary, bounds, density, manifold complexity' },
};

export async function probeCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    out(['usage: geolens probe <name> <run-dir | model.onnx> [options]', '', 'probes:', ...Object.entries(PROBES).map(([k, p]) => `  ${k.padEnd(12)} ${p.help}`)].join('\n'));
    return name ? 0 : 2;
  }
  const p = PROBES[name];
  if (!p) throw new UsageError(`geolens probe: unknown probe '${name}'; choose one of: ${Object.keys(PROBES).join(', ')}.`);
  return (await p.load())(rest, out);
}
