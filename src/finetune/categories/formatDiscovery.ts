import { sanitizeLogText } from '../../triage/prompts/index.js';
import type { CategoryDiscovery } from './discoverCategories.js';

// Log text is hostile: escape sequences and controls would rewrite the terminal.
const clean = (text: string, max: number): string => sanitizeLogText(text, max);

/** The discovery as a text report for a terminal: the k tried, then each cluster with its templates, categories and examples. */
export function formatDiscovery(discovery: CategoryDiscovery): string {
  const out: string[] = [];
  out.push(`${discovery.incidents} incidents in ${discovery.k} clusters (mean silhouette ${discovery.silhouette.toFixed(3)}; 1 is perfectly separated, 0 overlapping)`);
  if (discovery.candidates.length > 1) out.push(`k tried: ${discovery.candidates.map((c) => `${c.k} → ${c.silhouette.toFixed(3)}`).join(', ')}`);
  for (const cluster of discovery.clusters) {
    out.push('');
    out.push(`cluster ${cluster.index}: ${cluster.size} incidents (${(cluster.share * 100).toFixed(1)} %), score/threshold ${cluster.meanScoreRatio.toFixed(2)} on average`);
    out.push(`  categories now: ${cluster.categories.map((c) => `${clean(c.category, 64)} ${c.count}`).join(', ')}`);
    out.push(`  services: ${cluster.services.map((s) => `${clean(s.service, 64)} ${s.count}`).join(', ')}`);
    out.push('  templates that surprised (incidents, lift):');
    for (const t of cluster.topTemplates) out.push(`    ${String(t.incidents).padStart(5)}  ×${t.lift.toFixed(1).padEnd(5)} ${clean(t.text, 110)}`);
    out.push('  examples:');
    for (const e of cluster.examples) {
      const head = [e.id, e.service ? clean(e.service, 40) : undefined, e.category ? `[${clean(e.category, 40)}]` : undefined].filter(Boolean).join('  ');
      out.push(`    ${head}`);
      if (e.summary) out.push(`      ${clean(e.summary, 140)}`);
      if (e.line) out.push(`      [${e.line.position}] ${clean(e.line.text, 140)}`);
    }
  }
  out.push('');
  out.push('Name the clusters no category fits, add them to the taxonomy (triage.taxonomy, see prompts/README.md), and relabel their incidents in the review page.');
  return `${out.join('\n')}\n`;
}
