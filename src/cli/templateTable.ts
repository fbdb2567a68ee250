import type { Template } from '../templates/index.js';

/** Templates as an aligned text table: count, share, id, template; most frequent first. */
export function formatTemplateTable(templates: readonly Template[], options: { top?: number; total?: number } = {}): string {
  const total = options.total ?? templates.reduce((sum, t) => sum + t.count, 0);
  const shown = options.top ? templates.slice(0, options.top) : templates;
  const width = Math.max(5, ...shown.map((t) => t.count.toLocaleString('en-US').length));
  const lines = [`${'count'.padStart(width)}  ${'share'.padStart(6)}  ${'template id'.padEnd(16)}  template`];
  for (const t of shown) {
    const share = total > 0 ? `${((100 * t.count) / total).toFixed(1)}%` : '';
    lines.push(`${t.count.toLocaleString('en-US').padStart(width)}  ${share.padStart(6)}  ${t.id}  ${t.text}`);
  }
  if (shown.length < templates.length) lines.push(`… ${templates.length - shown.length} more templates (use --top 0 to show all)`);
  return `${lines.join('\n')}\n`;
}
