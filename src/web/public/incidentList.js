// @ts-check
/* global document, HTMLElement */
import { h, replaceChildren } from './dom.js';
import { formatWhen, reviewLabel } from './format.js';

/** @typedef {import('./api.js').IncidentSummary} IncidentSummary */

/**
 * Effective category, severity and summary of a list item: the API's top-level fields, else the
 * reviewer's correction, else tier 2's result.
 * @param {IncidentSummary} item
 */
export function effective(item) {
  const result = item.triage?.result;
  return {
    category: item.category ?? item.review?.corrections?.category ?? result?.category,
    severity: item.severity ?? result?.severity,
    summary: item.summary ?? result?.summary,
  };
}

/**
 * One list entry: a button that selects the incident.
 * @param {IncidentSummary} item
 * @param {boolean} selected
 * @param {(id: string) => void} onSelect
 */
function renderItem(item, selected, onSelect) {
  const { category, severity, summary } = effective(item);
  const status = item.triage?.status ?? 'pending';
  const review = item.review?.state ?? 'unreviewed';
  const events = item.eventCount;
  return h(
    'li',
    {},
    h(
      'button',
      {
        type: 'button',
        class: `incident-item sev-${severity ?? 'none'}`,
        'data-id': item.id,
        'aria-current': selected ? 'true' : false,
        onclick: () => onSelect(item.id),
      },
      h(
        'span',
        { class: 'item-top' },
        h('span', { class: `badge sev sev-${severity ?? 'none'}` }, severity ?? (status === 'pending' ? 'pending' : status)),
        h('span', { class: 'item-category' }, category ?? (status === 'failed' ? 'triage failed' : 'not triaged yet')),
        h('span', { class: `badge review review-${review}` }, reviewLabel(review)),
      ),
      h('span', { class: 'item-summary' }, summary || item.sessionKey),
      h(
        'span',
        { class: 'item-meta' },
        h('span', {}, item.service ?? 'no service'),
        h('span', {}, h('time', { datetime: new Date(item.detectedAt).toISOString() }, formatWhen(item.detectedAt))),
        events !== undefined && h('span', {}, `${events} events`),
        item.occurrences > 1 && h('span', { title: 'sessions flagged with this signature' }, `×${item.occurrences}`),
      ),
    ),
  );
}

/**
 * Renders the list, keeping keyboard focus on the same incident when the list had it (a live
 * refresh must not steal the reviewer's place).
 * @param {HTMLOListElement} list
 * @param {IncidentSummary[]} items
 * @param {string | undefined} selectedId
 * @param {(id: string) => void} onSelect
 */
export function renderList(list, items, selectedId, onSelect) {
  const active = document.activeElement;
  const focusedId = active instanceof HTMLElement && list.contains(active) ? active.dataset.id : undefined;
  replaceChildren(list, items.map((item) => renderItem(item, item.id === selectedId, onSelect)));
  if (focusedId !== undefined) buttonFor(list, focusedId)?.focus({ preventScroll: true });
}

/**
 * Marks the selected entry without rebuilding the list, and scrolls it into view.
 * @param {HTMLOListElement} list
 * @param {string | undefined} selectedId
 */
export function markSelected(list, selectedId) {
  for (const button of list.querySelectorAll('button[data-id]')) {
    if (!(button instanceof HTMLElement)) continue;
    if (button.dataset.id === selectedId) {
      button.setAttribute('aria-current', 'true');
      button.scrollIntoView({ block: 'nearest' });
    } else {
      button.removeAttribute('aria-current');
    }
  }
}

/**
 * @param {HTMLOListElement} list
 * @param {string} id
 * @returns {HTMLElement | undefined}
 */
export function buttonFor(list, id) {
  for (const button of list.querySelectorAll('button[data-id]')) {
    if (button instanceof HTMLElement && button.dataset.id === id) return button;
  }
  return undefined;
}
