/**
 * The report's sections, in page order: one module per probe, one line each in SECTION_LIST. A probe that lands
 * later adds `src/report/sections/<probe>.ts` and one line here; a probe registered twice is refused.
 */
import { registry } from '../../util/registry.js';
import { dimSection } from './dim.js';
import { magnitudeSection } from './magnitude.js';
import { otSection } from './ot.js';
import { regionsSection } from './regions.js';
import { separationSection } from './separation.js';
import { topologySection } from './topology.js';
import type { ReportSection } from './types.js';

const SECTION_LIST: ReportSection[] = [
  separationSection,
  dimSection,
  magnitudeSection,
  topologySection,
  regionsSection,
  otSection,
  // -- sections of probes that land later register below this line (magnitude, topology, regions)
];

/** The report sections by probe name, in page order. */
export const SECTIONS: ReadonlyMap<string, ReportSection> = registry('report sections', SECTION_LIST, (s) => s.probe);
