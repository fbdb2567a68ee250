// @ts-check

/** @param {number} n */
const pad = (n) => String(n).padStart(2, '0');

/**
 * `hh:mm:ss` in local time.
 * @param {number | Date} time epoch ms or a Date
 */
export function formatClock(time) {
  const d = new Date(time);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * `YYYY-MM-DD hh:mm:ss` in local time; `–` when unknown.
 * @param {number | undefined} ms epoch ms
 */
export function formatDateTime(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '–';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatClock(d)}`;
}

/**
 * The time of day for today's times, else the date and time.
 * @param {number} ms epoch ms
 * @param {number} [now]
 */
export function formatWhen(ms, now = Date.now()) {
  const d = new Date(ms);
  const today = new Date(now);
  return d.toDateString() === today.toDateString() ? formatClock(d) : formatDateTime(ms);
}

/**
 * A duration such as `850 ms`, `12.4 s`, `3 min 5 s`, `2 h 4 min`.
 * @param {number} ms
 */
export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/**
 * A probability as a percentage: `82%`, `3.1%`, `<0.1%`.
 * @param {number} p 0..1
 */
export function formatProbability(p) {
  if (!Number.isFinite(p)) return '–';
  const pct = p * 100;
  if (pct >= 10) return `${Math.round(pct)}%`;
  if (pct >= 0.1) return `${pct.toFixed(1)}%`;
  return '<0.1%';
}

/**
 * A score with three significant figures.
 * @param {number} x
 */
export function formatScore(x) {
  return Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : '–';
}

/**
 * Converts a `datetime-local` input value (local time) to epoch ms, and back.
 * @param {string} value
 * @returns {number | undefined}
 */
export function localInputToMs(value) {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * @param {number} ms
 * @returns {string}
 */
export function msToLocalInput(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${formatClock(d)}`;
}

/** Readable names of review states. */
export const REVIEW_LABELS = /** @type {Record<string, string>} */ ({
  unreviewed: 'unreviewed',
  confirmed: 'confirmed',
  false_positive: 'false positive',
  relabelled: 'relabelled',
});

/**
 * @param {string | undefined} state
 */
export function reviewLabel(state) {
  return (state && REVIEW_LABELS[state]) ?? state ?? 'unreviewed';
}
