import { ConfigError } from '../util/errors.js';
import type { SiteKind } from './faults.js';
import { FLOWS, type Flow } from './flows.js';
import { resolveSyntheticOptions, type ResolvedSyntheticOptions, type SyntheticOptions } from './options.js';
import { Random } from './random.js';
import { RequestBuilder } from './RequestBuilder.js';
import { buildTopology, type ServiceName, type Topology } from './topology.js';
import type { AnomalyCategory, Language, SequenceCategory, SyntheticSequence } from './types.js';
import { vary } from './variables.js';

/** Fewest and most lines in one sequence. */
export const MIN_LINES = 6;
export const MAX_LINES = 15;

// A sequence outside the length bounds is drawn again; this many misses in a row is a bug.
const MAX_ATTEMPTS = 500;

// Flows read caches at many places, so a uniform pick would make most failures cache failures
// (which degrade to the database); these weights keep the sites of each category varied.
const SITE_WEIGHTS: Readonly<Record<SiteKind, number>> = { call: 3, db: 3, external: 3, handler: 3, auth: 3, queue: 2, cache: 1 };

interface Slot {
  category: SequenceCategory;
  control: boolean;
}

interface Context {
  options: ResolvedSyntheticOptions;
  topology: Topology;
  flows: readonly Flow[];
  serviceLanguage: ReadonlyMap<ServiceName, Language>;
}

/**
 * Generates labelled synthetic requests one at a time, in order of start time. The share of each
 * category is exact (rounded): `anomalyRatio` split evenly across the categories, `controlRatio`
 * clean controls, the rest normal, shuffled.
 */
export function* iterateSequences(options: SyntheticOptions = {}): Generator<SyntheticSequence> {
  const resolved = resolveSyntheticOptions(options);
  const master = new Random(resolved.seed);
  const topology = buildTopology(resolved.services, master.fork());
  const flows = FLOWS.filter((flow) => flow.requires.every((name) => topology.has(name)));
  if (flows.length === 0) {
    throw new ConfigError(`no request flow can run on services [${[...topology.services.keys()].join(', ')}]; add e.g. auth-service or user-service`);
  }
  const context: Context = { options: resolved, topology, flows, serviceLanguage: assignLanguages(resolved, topology, master.fork()) };
  const slots = planSlots(resolved, master.fork());
  const clock = master.fork();
  let start = resolved.startTime;
  for (const [index, slot] of slots.entries()) {
    start += Math.round(clock.exponential(resolved.requestIntervalMs));
    yield buildSequence(context, index, slot, start, master.fork());
  }
}

/** Generates `count` labelled synthetic requests (see {@link iterateSequences}). */
export function generateSequences(options: SyntheticOptions = {}): SyntheticSequence[] {
  return [...iterateSequences(options)];
}

function planSlots(options: ResolvedSyntheticOptions, rng: Random): Slot[] {
  const { count, categories } = options;
  const anomalies = Math.round(count * options.anomalyRatio);
  const controls = Math.min(Math.round(count * options.controlRatio), count - anomalies);
  const slots: Slot[] = [];
  const extra = new Set(rng.shuffle(categories).slice(0, anomalies % categories.length));
  for (const category of categories) {
    const n = Math.floor(anomalies / categories.length) + (extra.has(category) ? 1 : 0);
    for (let i = 0; i < n; i++) slots.push({ category, control: false });
  }
  for (let i = 0; i < controls; i++) slots.push({ category: 'normal', control: true });
  while (slots.length < count) slots.push({ category: 'normal', control: false });
  return rng.shuffle(slots);
}

function assignLanguages(options: ResolvedSyntheticOptions, topology: Topology, rng: Random): Map<ServiceName, Language> {
  const names = [...topology.services.keys()];
  if (options.language !== 'mixed') return new Map(names.map((name) => [name, options.language as Language]));
  // Half the services in each language, so that both always appear.
  const zh = new Set(rng.shuffle(names).slice(0, Math.ceil(names.length / 2)));
  return new Map(names.map((name) => [name, zh.has(name) ? 'zh' : 'en']));
}

function buildSequence(context: Context, index: number, slot: Slot, start: number, rng: Random): SyntheticSequence {
  const { options } = context;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const flow = rng.weighted(context.flows.map((f) => [f, f.weight] as const));
    const sequenceLanguage: Language = rng.chance(0.5) ? 'zh' : 'en';
    const languageOf = (service: ServiceName): Language =>
      options.language === 'mixed' && options.mixedBy === 'sequence' ? sequenceLanguage : (context.serviceLanguage.get(service) ?? 'en');
    const ids = { requestId: rng.uuid(), traceId: traceId(rng), clientIp: vary.clientIp(rng) };
    const runSeed = rng.uint32();
    const run = (fault?: { category: AnomalyCategory; at: number }): RequestBuilder => {
      const builder = new RequestBuilder({
        rng: new Random(runSeed),
        topology: context.topology,
        languageOf,
        start,
        ...ids,
        ...(fault ? { fault } : {}),
        control: slot.control,
      });
      flow.run(builder);
      return builder;
    };

    let built: RequestBuilder;
    if (slot.category === 'normal') {
      built = run();
      if (slot.control && built.decoys === 0) continue;
    } else {
      // The same seed replays the same request up to the chosen site, so the failure is injected
      // into a flow that was normal until then.
      const probe = run({ category: slot.category, at: -1 });
      if (probe.eligibleSites === 0) continue;
      built = run({ category: slot.category, at: rng.weighted(probe.siteKinds.map((kind, at) => [at, SITE_WEIGHTS[kind]] as const)) });
      if (built.failureIndex === null) continue;
    }
    const { lines } = built;
    if (lines.length < MIN_LINES || lines.length > MAX_LINES) continue;
    const languages = new Set(lines.map((line) => languageOf(line.resource['service.name'] as ServiceName)));
    return {
      id: `syn-${options.seed}-${String(index).padStart(6, '0')}`,
      label: slot.category === 'normal' ? 0 : 1,
      category: slot.category,
      control: slot.control,
      language: languages.size > 1 ? 'mixed' : (languages.values().next().value ?? 'en'),
      flow: flow.name,
      failureIndex: built.failureIndex,
      lines,
    };
  }
  throw new RangeError(`could not build a ${slot.category} sequence of ${MIN_LINES}–${MAX_LINES} lines in ${MAX_ATTEMPTS} attempts`);
}

function traceId(rng: Random): string {
  const id = rng.hex(32);
  // An all-zero trace id is invalid in W3C Trace Context.
  return /^0+$/.test(id) ? `${id.slice(0, 31)}1` : id;
}
