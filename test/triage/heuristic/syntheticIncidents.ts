import { readFileSync } from 'node:fs';
import type { AnomalyEvidence, StoredIncident } from '../../../src/incidents/index.js';
import type { SyntheticSequence } from '../../../src/synthetic/index.js';
import { TemplateMiner } from '../../../src/templates/index.js';
import { bundledDataPath } from '../../../src/util/packageRoot.js';

/** A labelled incident built from a synthetic sequence. */
export interface LabelledIncident {
  sequence: SyntheticSequence;
  incident: StoredIncident;
}

/** Reads a bundled split (`data/synthetic/<name>.jsonl`). */
export function readSplit(name: 'train' | 'val' | 'test'): SyntheticSequence[] {
  return readFileSync(bundledDataPath('synthetic', `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SyntheticSequence);
}

/**
 * Incidents as the pipeline would store them for these sequences: the bodies as lines, templates
 * mined over all of them, and, with `evidence`, tier 1's evidence at the first failure line (what
 * the sequence model flags first) or at the end of a normal session.
 */
export function toIncidents(sequences: readonly SyntheticSequence[], options: { evidence: boolean }): LabelledIncident[] {
  const miner = new TemplateMiner();
  for (const s of sequences) for (const line of s.lines) miner.add(line.body);
  return sequences.map((sequence) => {
    const matched = sequence.lines.map((line) => miner.match(line.body)!);
    const templateIds = matched.map((m) => m.templateId);
    const at = sequence.failureIndex ?? sequence.lines.length;
    const evidence: AnomalyEvidence[] = options.evidence
      ? [{ position: at, templateId: templateIds[at] ?? '<end>', surprise: 6.5, expected: at > 0 ? [{ templateId: templateIds[at - 1]!, probability: 0.4 }] : [] }]
      : [];
    const first = sequence.lines[0]!;
    const incident: StoredIncident = {
      id: `inc_${sequence.id}`,
      sessionKey: first.traceId ?? sequence.id,
      service: String(first.resource['service.name'] ?? 'unknown'),
      firstTimestamp: first.timestamp,
      lastTimestamp: sequence.lines.at(-1)!.timestamp,
      detectedAt: sequence.lines.at(-1)!.timestamp,
      templateIds,
      templates: matched.map((m) => m.template),
      lines: sequence.lines.map((line) => line.body),
      truncatedLines: 0,
      score: 6.5,
      threshold: 4.2,
      evidence,
      modelVersion: 'synthetic',
      signature: sequence.id,
      occurrences: 1,
      lastDetectedAt: sequence.lines.at(-1)!.timestamp,
      triage: { status: 'pending', attempts: 0 },
      review: { state: 'unreviewed', corrections: {} },
      updatedAt: sequence.lines.at(-1)!.timestamp,
    };
    return { sequence, incident };
  });
}

/** Accuracy, per-category F1 and their mean (macro-F1) of predictions against labels. */
export function scoreClassification(pairs: readonly { label: string; predicted: string }[], categories: readonly string[]): { accuracy: number; macroF1: number; f1: Record<string, number> } {
  const f1: Record<string, number> = {};
  for (const c of categories) {
    const tp = pairs.filter((p) => p.label === c && p.predicted === c).length;
    const fp = pairs.filter((p) => p.label !== c && p.predicted === c).length;
    const fn = pairs.filter((p) => p.label === c && p.predicted !== c).length;
    f1[c] = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  const accuracy = pairs.filter((p) => p.label === p.predicted).length / pairs.length;
  const macroF1 = categories.reduce((a, c) => a + f1[c]!, 0) / categories.length;
  return { accuracy, macroF1, f1 };
}
