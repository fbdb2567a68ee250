/** Escapes text for HTML and SVG: log-derived strings are untrusted. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Formats a number for an axis label: few digits, no exponent for ordinary values. */
export function tick(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1000 || abs < 0.01) return value.toExponential(1);
  return Number(value.toPrecision(3)).toString();
}

/** A plot area with axes and labels; `x` and `y` map data to pixels. */
export interface Frame {
  width: number;
  height: number;
  left: number;
  bottom: number;
  x: (v: number) => number;
  y: (v: number) => number;
  axes: string;
}

/** Axes from `[x0, x1] × [y0, y1]` with `ticks` labels each and axis titles. */
export function frame(options: { width: number; height: number; x: [number, number]; y: [number, number]; xTitle: string; yTitle: string; ticks?: number; yLabel?: (v: number) => string }): Frame {
  const left = 56;
  const right = 16;
  const top = 12;
  const bottom = 44;
  const plotW = options.width - left - right;
  const plotH = options.height - top - bottom;
  const [x0, x1] = options.x;
  const [y0, y1] = options.y;
  const x = (v: number) => left + ((v - x0) / (x1 - x0 || 1)) * plotW;
  const y = (v: number) => top + plotH - ((v - y0) / (y1 - y0 || 1)) * plotH;
  const n = options.ticks ?? 5;
  const parts = [`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`];
  for (let i = 0; i <= n; i++) {
    const xv = x0 + ((x1 - x0) * i) / n;
    const yv = y0 + ((y1 - y0) * i) / n;
    parts.push(`<text x="${x(xv)}" y="${top + plotH + 16}" text-anchor="middle" class="tick">${tick(xv)}</text>`);
    parts.push(`<text x="${left - 6}" y="${y(yv) + 4}" text-anchor="end" class="tick">${escapeHtml((options.yLabel ?? tick)(yv))}</text>`);
  }
  parts.push(`<text x="${left + plotW / 2}" y="${options.height - 6}" text-anchor="middle" class="axis">${escapeHtml(options.xTitle)}</text>`);
  parts.push(`<text transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" class="axis">${escapeHtml(options.yTitle)}</text>`);
  return { width: options.width, height: options.height, left, bottom, x, y, axes: parts.join('') };
}
