import { rocCurve } from '../../scoring/metrics.js';
import { UNSEEN_SURPRISE } from '../../scoring/score.js';
import { escapeHtml, frame, tick } from './svg.js';

/** What an evaluation report shows. */
export interface EvalReportData {
  title: string;
  model: string;
  dataset: string;
  threshold: number;
  scores: readonly number[];
  labels: readonly (0 | 1)[];
  metrics: { precision: number; recall: number; f1: number; falsePositiveRate: number; rocAuc: number; tp: number; fp: number; fn: number; tn: number };
  generatedAt: string;
}

const NORMAL = '#3b7dd8';
const ANOMALOUS = '#e8793a';

function rocSvg(data: EvalReportData): string {
  const f = frame({ width: 360, height: 340, x: [0, 1], y: [0, 1], xTitle: 'false-positive rate', yTitle: 'true-positive rate' });
  const points = rocCurve(data.scores, data.labels);
  const step = Math.max(1, Math.floor(points.length / 600));
  const line = points.filter((_, i) => i % step === 0 || i === points.length - 1).map((p) => `${f.x(p.fpr).toFixed(1)},${f.y(p.tpr).toFixed(1)}`);
  const { falsePositiveRate: fpr, recall: tpr } = data.metrics;
  return `<svg viewBox="0 0 ${f.width} ${f.height}" role="img" aria-label="ROC curve">${f.axes}
<line x1="${f.x(0)}" y1="${f.y(0)}" x2="${f.x(1)}" y2="${f.y(1)}" stroke="#ccc" stroke-dasharray="4 4"/>
<polyline points="${line.join(' ')}" fill="none" stroke="${ANOMALOUS}" stroke-width="2"/>
<circle cx="${f.x(fpr)}" cy="${f.y(tpr)}" r="5" fill="#c00"><title>threshold ${tick(data.threshold)}: FPR ${(fpr * 100).toFixed(2)} %, recall ${tpr.toFixed(4)}</title></circle>
<text x="${f.x(0.55)}" y="${f.y(0.12)}" class="axis">AUC ${data.metrics.rocAuc.toFixed(4)}</text></svg>`;
}

function histogramSvg(data: EvalReportData): string {
  const seen = data.scores.filter((s) => s < UNSEEN_SURPRISE);
  const low = Math.min(...seen, data.threshold);
  const high = Math.max(...seen, data.threshold) || 1;
  const bins = 40;
  const width = (high - low) / bins || 1;
  const counts = [new Array<number>(bins + 1).fill(0), new Array<number>(bins + 1).fill(0)];
  data.scores.forEach((s, i) => {
    const bin = s >= UNSEEN_SURPRISE ? bins : Math.min(bins - 1, Math.floor((s - low) / width));
    counts[data.labels[i]!]![bin]!++;
  });
  // Counts on a log scale: the classes differ by orders of magnitude in size.
  const maxLog = Math.log10(1 + Math.max(...counts[0]!, ...counts[1]!));
  const f = frame({ width: 640, height: 340, x: [low, high + width * 2], y: [0, maxLog || 1], xTitle: 'session score (worst event surprise, nats)', yTitle: 'sessions (log scale)', yLabel: (v) => tick(Math.round(10 ** v - 1)) });
  const bars: string[] = [];
  for (let b = 0; b <= bins; b++) {
    const x0 = b === bins ? high + width : low + b * width;
    const w = f.x(x0 + width) - f.x(x0);
    counts.forEach((classCounts, label) => {
      const c = classCounts[b]!;
      if (c === 0) return;
      const h = f.y(0) - f.y(Math.log10(1 + c));
      bars.push(`<rect x="${(f.x(x0) + (label * w) / 2).toFixed(1)}" y="${(f.y(0) - h).toFixed(1)}" width="${(w / 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${label ? ANOMALOUS : NORMAL}"><title>${c} ${label ? 'anomalous' : 'normal'}${b === bins ? ', unseen template' : `, score ${tick(x0)}–${tick(x0 + width)}`}</title></rect>`);
    });
  }
  const tx = f.x(data.threshold);
  return `<svg viewBox="0 0 ${f.width} ${f.height}" role="img" aria-label="score histograms">${f.axes}${bars.join('')}
<line x1="${tx}" y1="12" x2="${tx}" y2="${f.y(0)}" stroke="#c00" stroke-width="2" stroke-dasharray="6 3"/>
<text x="${tx + 4}" y="26" class="tick" fill="#c00">threshold ${tick(data.threshold)}</text>
<text x="${f.x(high + width * 1.5)}" y="${f.y(0) + 30}" text-anchor="middle" class="tick">unseen</text></svg>`;
}

function confusionSvg(data: EvalReportData): string {
  const { tp, fp, fn, tn } = data.metrics;
  const cells = [
    { row: 0, col: 0, n: tn, label: 'true negative', good: true },
    { row: 0, col: 1, n: fp, label: 'false positive', good: false },
    { row: 1, col: 0, n: fn, label: 'false negative', good: false },
    { row: 1, col: 1, n: tp, label: 'true positive', good: true },
  ];
  const size = 120;
  const rects = cells.map((c) => {
    const rowTotal = c.row === 0 ? tn + fp : fn + tp;
    const share = rowTotal ? c.n / rowTotal : 0;
    const color = c.good ? `rgba(59,125,216,${0.15 + 0.75 * share})` : `rgba(200,40,40,${0.15 + 0.75 * share})`;
    const x = 110 + c.col * size;
    const y = 40 + c.row * size;
    return `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="${color}" stroke="#fff"/><text x="${x + size / 2}" y="${y + size / 2}" text-anchor="middle" class="count">${c.n.toLocaleString('en-US')}</text><text x="${x + size / 2}" y="${y + size / 2 + 20}" text-anchor="middle" class="tick">${c.label} (${(share * 100).toFixed(1)} %)</text>`;
  });
  return `<svg viewBox="0 0 360 300" role="img" aria-label="confusion matrix">${rects.join('')}
<text x="170" y="28" text-anchor="middle" class="axis">flagged: no</text><text x="290" y="28" text-anchor="middle" class="axis">flagged: yes</text>
<text x="100" y="104" text-anchor="end" class="axis">normal</text><text x="100" y="224" text-anchor="end" class="axis">anomalous</text></svg>`;
}

/** A self-contained HTML page (inline CSS and SVG, no external assets) with the evaluation's figures. */
export function renderEvalReport(data: EvalReportData): string {
  const m = data.metrics;
  const normal = data.labels.filter((l) => l === 0).length;
  const rows: [string, string][] = [
    ['model', data.model],
    ['dataset', `${data.dataset}: ${normal.toLocaleString('en-US')} normal, ${(data.labels.length - normal).toLocaleString('en-US')} anomalous sessions`],
    ['threshold', tick(data.threshold)],
    ['precision', m.precision.toFixed(4)],
    ['recall', m.recall.toFixed(4)],
    ['F1', m.f1.toFixed(4)],
    ['false-positive rate', `${(m.falsePositiveRate * 100).toFixed(3)} %`],
    ['ROC-AUC', m.rocAuc.toFixed(4)],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(data.title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222}
h1{font-size:20px}table{border-collapse:collapse;margin-bottom:20px}td{padding:3px 12px;border-bottom:1px solid #eee}
td:first-child{color:#666}.charts{display:flex;flex-wrap:wrap;gap:24px}figure{margin:0}figcaption{color:#555;margin-top:4px}
svg{background:#fff}.tick{font-size:11px;fill:#555}.axis{font-size:12px;fill:#333}.count{font-size:22px;font-weight:600;fill:#111}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
</style></head><body>
<h1>${escapeHtml(data.title)}</h1>
<table>${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
<div class="charts">
<figure>${histogramSvg(data)}<figcaption class="legend">Session scores<span style="background:${NORMAL}"></span>normal<span style="background:${ANOMALOUS}"></span>anomalous; the dashed line is the threshold.</figcaption></figure>
<figure>${rocSvg(data)}<figcaption>ROC curve; the red dot is the operating point at the threshold.</figcaption></figure>
<figure>${confusionSvg(data)}<figcaption>Confusion matrix: rows are the truth, columns the verdict.</figcaption></figure>
</div>
<p style="color:#888">Generated by logtriage eval, ${escapeHtml(data.generatedAt)}.</p>
</body></html>
`;
}
