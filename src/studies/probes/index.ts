/**
 * The probes an analysis runs, in report order: one entry per probe, one line each in ANALYSIS_PROBES. A probe that
 * lands later adds its file beside these and one line to the list; a name registered twice is refused.
 */
import { registry } from '../../util/registry.js';
import type { AnalysisProbe } from '../types.js';
import { dimProbe } from './dim.js';
import { magnitudeProbe } from './magnitude.js';
import { otProbe } from './ot.js';
import { regionsProbe } from './regions.js';
import { separationProbe } from './separation.js';
import { topologyProbe } from './topology.js';

const LIST: AnalysisProbe[] = [
  separationProbe,
  dimProbe,
  magnitudeProbe,
  topologyProbe,
  regionsProbe,
  otProbe,
  // -- probes that land later register below this line (magnitude, topology, regions)
];

/** The analysis probes by name, in report order. */
export const ANALYSIS_PROBES: ReadonlyMap<string, AnalysisProbe> = registry('analysis probes', LIST, (p) => p.name);
