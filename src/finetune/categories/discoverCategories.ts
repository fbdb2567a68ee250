import type { StoredIncident } from '../../incidents/IncidentStore.js';
import { Random } from '../../synthetic/index.js';
import { InputError } from '../../util/errors.js';
import { deviationFeatures, END_ID, surprisedId, type DeviationFeatureOptions } from './deviationFeatures.js';
import { kMeans, squaredDistance, type KMeansResult } from './kMeans.js';
import { distanceMatrix, silhouetteScore } from './silhouette.js';

/** Options of {@link discoverCategories}. */
export interface DiscoverCategoriesOptions extends DeviationFeatureOptions {
  /** Fewest clusters tried. Default 2. */
  minK?: number;
  /** Most clusters tried. Default 10 (and fewer than the incidents). */
  maxK?: number;
  /** Use exactly this many clusters instead of choosing by silhouette. */
  k?: number;
  /** Seed of k-means++ and of the silhouette sample. Default 42. */
  seed?: number;
  /** k-means runs per k. Default 4. */
  restarts?: number;
  /** Most incidents the silhouette is computed on (a seeded sample; it costs n²). Default 1,000. */
  silhouetteSample?: number;
  /** Example incidents shown per cluster (nearest to its centre). Default 3. */
  examples?: number;
  /** Templates shown per cluster. Default 5. */
  topTemplates?: number;
}

/** A template that surprised tier 1 in a cluster. */
export interface ClusterTemplate {
  templateId: string;
  /** Template text, or `<end of session>`. */
  text: string;
  /** Incidents of the cluster in which it surprised. */
  incidents: number;
  /** That count over the cluster's size. */
  share: number;
  /** `share` over its share among all incidents: how much more typical of this cluster it is. */
  lift: number;
}

/** An incident shown as an example of its cluster. */
export interface ClusterExample {
  id: string;
  service?: string;
  sessionKey: string;
  /** The category an SRE sees now (reviewer's or tier 2's). */
  category?: string;
  summary?: string;
  /** The most surprising stored line. */
  line?: { position: number; text: string };
}

/** One cluster of incidents. */
export interface DiscoveredCluster {
  /** 1-based, largest cluster first. */
  index: number;
  size: number;
  share: number;
  topTemplates: ClusterTemplate[];
  /** Current categories of its incidents (reviewer's or tier 2's; `(untriaged)` without one), most frequent first. */
  categories: { category: string; count: number }[];
  services: { service: string; count: number }[];
  /** Mean of score / threshold. */
  meanScoreRatio: number;
  examples: ClusterExample[];
}

/** What {@link discoverCategories} found. */
export interface CategoryDiscovery {
  incidents: number;
  k: number;
  /** Mean silhouette of the chosen clustering (on the sample). */
  silhouette: number;
  /** Every k tried with its silhouette and inertia. */
  candidates: { k: number; silhouette: number; inertia: number }[];
  clusters: DiscoveredCluster[];
}

/** Fewest incidents that can be clustered. */
export const MIN_INCIDENTS = 3;

function effectiveCategory(incident: StoredIncident): string | undefined {
  return incident.review.corrections.category ?? incident.triage.result?.category;
}

/**
 * Clusters incidents by how they deviated from normal ({@link deviationFeatures}) with seeded
 * k-means++, choosing k in `minK…maxK` by the best mean silhouette (on a seeded sample), and
 * describes each cluster for a reviewer: its size, the templates that surprised most often in it
 * (with their lift over all incidents), its current categories and services, and the incidents
 * nearest its centre. Reviewers name the clusters that no category fits and add them to the
 * taxonomy. Deterministic for a seed. Throws {@link InputError} with fewer than {@link MIN_INCIDENTS}.
 */
export function discoverCategories(incidents: readonly StoredIncident[], options: DiscoverCategoriesOptions = {}): CategoryDiscovery {
  if (incidents.length < MIN_INCIDENTS) {
    throw new InputError(`found ${incidents.length} incident${incidents.length === 1 ? '' : 's'}; clustering needs at least ${MIN_INCIDENTS} (a few hundred tell more)`);
  }
  const seed = options.seed ?? 42;
  const features = deviationFeatures(incidents, options);
  const points = features.vectors;
  const rng = new Random(seed);
  const sampleSize = Math.min(points.length, options.silhouetteSample ?? 1_000);
  const sample = sampleSize === points.length ? points.map((_, i) => i) : rng.shuffle(points.map((_, i) => i)).slice(0, sampleSize).sort((a, b) => a - b);
  const distances = distanceMatrix(sample.map((i) => points[i]!));

  const ks = options.k !== undefined ? [options.k] : range(Math.max(2, options.minK ?? 2), Math.min(options.maxK ?? 10, points.length - 1));
  if (ks.length === 0 || ks[0]! < 1) throw new InputError(`no number of clusters to try: minK ${options.minK ?? 2}, maxK ${options.maxK ?? 10}, ${points.length} incidents`);
  const candidates: { k: number; silhouette: number; inertia: number; result: KMeansResult }[] = [];
  for (const k of ks) {
    const result = kMeans(points, k, { seed, restarts: options.restarts ?? 4 });
    const labels = Int32Array.from(sample, (i) => result.assignments[i]!);
    candidates.push({ k: result.k, silhouette: silhouetteScore(distances, labels, result.k), inertia: result.inertia, result });
  }
  const chosen = candidates.reduce((best, c) => (c.silhouette > best.silhouette + 1e-9 ? c : best));
  const { result } = chosen;

  const overall = new Map<string, number>();
  const surprisedSets = incidents.map((incident) => new Set(incident.evidence.map((e) => surprisedId(incident, e.position, e.templateId))));
  for (const set of surprisedSets) for (const id of set) overall.set(id, (overall.get(id) ?? 0) + 1);

  const members = Array.from({ length: result.k }, () => [] as number[]);
  result.assignments.forEach((c, i) => members[c]!.push(i));
  const clusters = members
    .map((list, c) => ({ list, c }))
    .filter(({ list }) => list.length > 0)
    .sort((a, b) => b.list.length - a.list.length || a.c - b.c)
    .map(({ list, c }, rank): DiscoveredCluster => {
      const counts = new Map<string, number>();
      for (const i of list) for (const id of surprisedSets[i]!) counts.set(id, (counts.get(id) ?? 0) + 1);
      const topTemplates = [...counts.entries()]
        .map(([templateId, n]) => {
          const share = n / list.length;
          const lift = share / (overall.get(templateId)! / incidents.length);
          return { templateId, text: templateText(incidents, list, templateId), incidents: n, share, lift };
        })
        .sort((a, b) => b.incidents * b.lift - a.incidents * a.lift || b.incidents - a.incidents || (a.templateId < b.templateId ? -1 : 1))
        .slice(0, options.topTemplates ?? 5);
      const nearest = [...list].sort((a, b) => squaredDistance(points[a]!, result.centroids[c]!) - squaredDistance(points[b]!, result.centroids[c]!) || a - b);
      return {
        index: rank + 1,
        size: list.length,
        share: list.length / incidents.length,
        topTemplates,
        categories: tally(list.map((i) => effectiveCategory(incidents[i]!) ?? '(untriaged)')).map(([category, count]) => ({ category, count })),
        services: tally(list.map((i) => incidents[i]!.service ?? '(unknown)')).slice(0, 3).map(([service, count]) => ({ service, count })),
        meanScoreRatio: list.reduce((sum, i) => sum + ratio(incidents[i]!), 0) / list.length,
        examples: nearest.slice(0, options.examples ?? 3).map((i) => exampleOf(incidents[i]!)),
      };
    });
  return {
    incidents: incidents.length,
    k: result.k,
    silhouette: chosen.silhouette,
    candidates: candidates.map(({ k, silhouette, inertia }) => ({ k, silhouette, inertia })),
    clusters,
  };
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let k = from; k <= to; k++) out.push(k);
  return out;
}

function ratio(incident: StoredIncident): number {
  const r = incident.threshold > 0 ? incident.score / incident.threshold : 0;
  return Number.isFinite(r) ? r : 0;
}

function tally(values: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

function templateText(incidents: readonly StoredIncident[], list: readonly number[], templateId: string): string {
  if (templateId === END_ID) return '<end of session>';
  for (const i of list) {
    const incident = incidents[i]!;
    const at = incident.templateIds.indexOf(templateId);
    if (at >= 0 && incident.templates[at] !== undefined) return incident.templates[at]!;
  }
  return templateId;
}

function exampleOf(incident: StoredIncident): ClusterExample {
  const top = [...incident.evidence].filter((e) => e.position < incident.lines.length).sort((a, b) => b.surprise - a.surprise)[0];
  const category = effectiveCategory(incident);
  const summary = incident.triage.result?.summary;
  return {
    id: incident.id,
    ...(incident.service !== undefined ? { service: incident.service } : {}),
    sessionKey: incident.sessionKey,
    ...(category !== undefined ? { category } : {}),
    ...(summary !== undefined ? { summary } : {}),
    ...(top ? { line: { position: top.position, text: incident.lines[top.position]! } } : {}),
  };
}
