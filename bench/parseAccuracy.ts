/**
 * Log-parsing accuracy as defined by Zhu et al., "Tools and Benchmarks for Automated Log
 * Parsing", ICSE-SEIP 2019: grouping accuracy and parsing accuracy over labelled lines.
 */

/** Collapses runs of adjacent wildcards (`<*><*>` → `<*>`) and trims, on both sides of a comparison. */
export function normaliseTemplate(template: string): string {
  return template.replace(/(?:<\*>)+/g, '<*>').trim();
}

/**
 * Grouping accuracy: the share of lines whose parsed group holds exactly the lines of their
 * ground-truth group.
 */
export function groupingAccuracy(parsedGroups: readonly string[], truthGroups: readonly string[]): number {
  const truthSize = new Map<string, number>();
  for (const t of truthGroups) truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
  const parsed = new Map<string, { size: number; truth: Set<string> }>();
  parsedGroups.forEach((p, i) => {
    const entry = parsed.get(p) ?? { size: 0, truth: new Set<string>() };
    entry.size++;
    entry.truth.add(truthGroups[i]!);
    parsed.set(p, entry);
  });
  let correct = 0;
  for (const { size, truth } of parsed.values()) {
    if (truth.size === 1 && truthSize.get([...truth][0]!) === size) correct += size;
  }
  return parsedGroups.length === 0 ? 0 : correct / parsedGroups.length;
}

/** Parsing accuracy: the share of lines whose parsed template equals the true one (normalised). */
export function parsingAccuracy(parsedTemplates: readonly string[], truthTemplates: readonly string[]): number {
  let correct = 0;
  parsedTemplates.forEach((p, i) => {
    if (normaliseTemplate(p) === normaliseTemplate(truthTemplates[i]!)) correct++;
  });
  return parsedTemplates.length === 0 ? 0 : correct / parsedTemplates.length;
}
