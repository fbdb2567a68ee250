// @ts-check
import { h, replaceChildren } from './dom.js';
import { formatDateTime, formatDuration, formatProbability, formatScore, reviewLabel } from './format.js';

/**
 * @typedef {import('./api.js').Incident} Incident
 * @typedef {import('./api.js').Explanation} Explanation
 * @typedef {import('./api.js').Evidence} Evidence
 * @typedef {{
 *   confirm: () => void, falsePositive: () => void, relabel: () => void,
 *   editExplanation: () => void, note: () => void,
 * }} ReviewActions
 * @typedef {{ incident: Incident, explanation: Explanation | undefined, busy: boolean, reviewBlocked?: string }} IncidentViewModel
 *   `reviewBlocked`: why this caller may not review (the buttons are disabled and it is shown)
 */

/** How many of the model's expected events to show per unexpected position. */
const EXPECTED_SHOWN = 3;
const END_OF_SESSION = '<end>';

/**
 * What tier 2 said, from the explanation endpoint when it answered, else from the incident's
 * triage result; `undefined` while there is none.
 * @param {Incident} incident
 * @param {Explanation | undefined} explanation
 */
export function triageView(incident, explanation) {
  const result = incident.triage?.result;
  const corrections = incident.review?.corrections ?? {};
  // The API answers an explanation with null fields before triage: that is no triage yet.
  if (explanation && explanation.category !== null && explanation.category !== undefined) {
    return {
      category: explanation.category,
      severity: explanation.severity ?? result?.severity ?? null,
      confidence: explanation.confidence ?? result?.confidence ?? null,
      summary: explanation.summary ?? result?.summary ?? '',
      explanation: explanation.explanation ?? corrections.explanation ?? result?.explanation ?? '',
      suggestedActions: explanation.suggestedActions ?? result?.suggestedActions ?? [],
      backend: explanation.backend ?? result?.backend ?? null,
      heuristic: explanation.heuristic === true,
      corrected: explanation.corrected === true,
      originalCategory: explanation.original?.category ?? result?.category ?? null,
      evidenceLines: new Set((explanation.evidenceLines ?? []).map((e) => e.index)),
    };
  }
  if (!result) return undefined;
  return {
    category: corrections.category ?? result.category,
    severity: result.severity,
    confidence: result.confidence,
    summary: result.summary,
    explanation: corrections.explanation ?? result.explanation,
    suggestedActions: result.suggestedActions ?? [],
    backend: result.backend,
    heuristic: result.backend === 'heuristic' || result.backend.startsWith('heuristic:'),
    corrected: corrections.explanation !== undefined || corrections.category !== undefined,
    originalCategory: result.category,
    evidenceLines: new Set(result.evidenceLines ?? []),
  };
}

/**
 * The template text of a template id when this incident contains it (the API sends the texts of
 * the session's own templates only), else `undefined`.
 * @param {Incident} incident
 * @param {string} templateId
 */
function templateText(incident, templateId) {
  const at = incident.templateIds?.indexOf(templateId) ?? -1;
  return at >= 0 ? incident.templates?.[at] : undefined;
}

/**
 * One expected event: the template text when known, else the id.
 * @param {Incident} incident
 * @param {import('./api.js').Expected & { template?: string }} expected
 */
function renderExpected(incident, expected) {
  const text = expected.template ?? (expected.templateId === END_OF_SESSION ? undefined : templateText(incident, expected.templateId));
  return h(
    'li',
    { class: 'expected-item' },
    expected.templateId === END_OF_SESSION
      ? h('span', { class: 'expected-end' }, 'end of session')
      : text !== undefined
        ? h('code', { class: 'expected-template', title: `template ${expected.templateId}` }, text)
        : h('code', { class: 'expected-id' }, `template ${expected.templateId}`),
    ' ',
    h('span', { class: 'probability' }, formatProbability(expected.probability)),
  );
}

/**
 * The note under an unexpected event: how surprising it was and what the model expected there.
 * @param {Incident} incident
 * @param {Evidence} evidence
 */
function renderEvidence(incident, evidence) {
  const expected = (evidence.expected ?? []).slice(0, EXPECTED_SHOWN);
  return h(
    'div',
    { class: 'evidence-note' },
    h('span', { class: 'badge unexpected' }, 'unexpected'),
    ' ',
    h('span', { class: 'surprise', title: '−log p of this event, in nats' }, `p ≈ ${formatProbability(Math.exp(-evidence.surprise))} (surprise ${formatScore(evidence.surprise)})`),
    expected.length > 0 && h('span', { class: 'expected-label' }, ' · expected instead:'),
    expected.length > 0 && h('ol', { class: 'expected-list' }, expected.map((e) => renderExpected(incident, e))),
  );
}

/**
 * The session's lines, the unexpected ones highlighted with what was expected, the ones tier 2
 * cited marked.
 * @param {Incident} incident
 * @param {Set<number>} cited
 */
function renderLines(incident, cited) {
  /** @type {Map<number, Evidence>} */
  const byPosition = new Map((incident.evidence ?? []).map((e) => [e.position, e]));
  const lines = incident.lines ?? [];
  const rows = lines.map((line, index) => {
    const evidence = byPosition.get(index);
    const templateId = incident.templateIds?.[index];
    return h(
      'li',
      {
        class: ['line', evidence ? 'unexpected' : '', cited.has(index) ? 'cited' : ''].filter(Boolean).join(' '),
        id: `line-${index}`,
        'data-index': index,
      },
      h('span', { class: 'ln', 'aria-hidden': 'true' }, index + 1),
      h(
        'div',
        { class: 'line-body' },
        h('code', { class: 'line-text', title: templateId !== undefined ? `template ${templateId}: ${incident.templates?.[index] ?? ''}` : undefined }, line),
        cited.has(index) && h('span', { class: 'badge cited' }, 'cited by triage'),
        evidence && renderEvidence(incident, evidence),
      ),
    );
  });
  const tail = [];
  if (incident.truncatedLines > 0) {
    tail.push(h('li', { class: 'line truncated' }, h('span', { class: 'ln', 'aria-hidden': 'true' }, '…'), h('div', { class: 'line-body' }, `${incident.truncatedLines} more lines were not kept`)));
  }
  // Evidence past the kept lines: the end of the session (position = its length) or a line left out.
  for (const evidence of incident.evidence ?? []) {
    if (evidence.position < lines.length) continue;
    const end = evidence.templateId === END_OF_SESSION;
    tail.push(
      h(
        'li',
        { class: 'line unexpected', 'data-index': evidence.position },
        h('span', { class: 'ln', 'aria-hidden': 'true' }, end ? '⊣' : evidence.position + 1),
        h(
          'div',
          { class: 'line-body' },
          h('span', { class: 'line-text pseudo' }, end ? 'end of session' : `event ${evidence.position + 1} (line not kept, template ${evidence.templateId})`),
          renderEvidence(incident, evidence),
        ),
      ),
    );
  }
  const unexpected = (incident.evidence ?? []).length;
  return h(
    'section',
    { class: 'panel lines-panel', 'aria-labelledby': 'lines-heading' },
    h(
      'h3',
      { id: 'lines-heading' },
      'Log lines ',
      h('span', { class: 'heading-note' }, `${lines.length + incident.truncatedLines} events, ${unexpected} unexpected`),
    ),
    h('ol', { class: 'lines', id: 'lines' }, rows, tail),
  );
}

/**
 * Score against threshold: a figure and a bar with the threshold marked.
 * @param {Incident} incident
 */
function renderScore(incident) {
  const { score, threshold } = incident;
  const scale = Math.max(score, threshold, Number.EPSILON) * 1.15;
  const fill = h('span', { class: 'score-fill' });
  const mark = h('span', { class: 'score-threshold' });
  // CSSOM writes are allowed by the page's style-src 'self'; style attributes in markup are not.
  fill.style.width = `${Math.min(100, (score / scale) * 100)}%`;
  mark.style.left = `${Math.min(100, (threshold / scale) * 100)}%`;
  const ratio = threshold > 0 ? score / threshold : Number.NaN;
  return h(
    'div',
    { class: 'score' },
    h(
      'p',
      { class: 'score-figure' },
      'score ',
      h('strong', { class: 'score-value' }, formatScore(score)),
      ' / threshold ',
      h('span', { class: 'score-threshold-value' }, formatScore(threshold)),
      Number.isFinite(ratio) && h('span', { class: 'score-ratio' }, ` (×${ratio.toFixed(2)})`),
    ),
    h('div', { class: 'score-bar', role: 'img', 'aria-label': `score ${formatScore(score)} against threshold ${formatScore(threshold)}` }, fill, mark),
  );
}

/**
 * Tier 2's classification and explanation, or why there is none.
 * @param {Incident} incident
 * @param {ReturnType<typeof triageView>} triage
 */
function renderTriage(incident, triage) {
  const status = incident.triage?.status ?? 'pending';
  if (!triage) {
    return h(
      'section',
      { class: 'panel triage-panel', 'aria-labelledby': 'triage-heading' },
      h('h3', { id: 'triage-heading' }, 'Triage ', h('span', { class: `badge status-${status}` }, status)),
      status === 'failed'
        ? h('p', { class: 'triage-failed' }, `Triage failed after ${incident.triage.attempts === 1 ? '1 attempt' : `${incident.triage.attempts ?? 'several'} attempts`}`, incident.triage.lastError ? `: ${incident.triage.lastError}` : '.')
        : h('p', { class: 'triage-pending' }, 'Pending: the LLM has not classified this incident yet. This view updates when it has.'),
    );
  }
  const relabelledFrom = triage.originalCategory;
  return h(
    'section',
    { class: 'panel triage-panel', 'aria-labelledby': 'triage-heading' },
    h(
      'h3',
      { id: 'triage-heading' },
      'Triage ',
      h('span', { class: `badge status-${status}` }, status),
      triage.heuristic && h('span', { class: 'badge heuristic', title: 'classified by the rule-based fallback, not by the LLM' }, 'heuristic'),
      triage.corrected && h('span', { class: 'badge corrected', title: 'a reviewer corrected the category or the explanation' }, 'corrected'),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('div', {}, h('dt', {}, 'Category'), h('dd', { class: 'triage-category' }, triage.category, relabelledFrom !== null && relabelledFrom !== triage.category && h('span', { class: 'was' }, ` (was ${relabelledFrom})`))),
      h('div', {}, h('dt', {}, 'Severity'), h('dd', {}, triage.severity ? h('span', { class: `badge sev sev-${triage.severity}` }, triage.severity) : '–')),
      h('div', {}, h('dt', {}, 'Confidence'), h('dd', {}, typeof triage.confidence === 'number' ? formatProbability(triage.confidence) : '–')),
      h('div', {}, h('dt', {}, 'Backend'), h('dd', { class: 'backend' }, triage.backend ?? '–')),
    ),
    h('p', { class: 'triage-summary' }, triage.summary),
    h('h4', {}, 'Explanation'),
    h('p', { class: 'explanation-text' }, triage.explanation),
    triage.suggestedActions.length > 0 && h('h4', {}, 'Suggested actions'),
    triage.suggestedActions.length > 0 && h('ol', { class: 'suggested-actions' }, triage.suggestedActions.map((a) => h('li', {}, a))),
  );
}

/**
 * The review state and the review buttons.
 * @param {Incident} incident
 * @param {ReviewActions} actions
 * @param {boolean} busy
 * @param {string | undefined} blocked
 */
function renderReview(incident, actions, busy, blocked) {
  const review = incident.review ?? { state: 'unreviewed', corrections: {} };
  const corrections = review.corrections ?? {};
  /**
   * @param {string} label
   * @param {string} key
   * @param {() => void} onclick
   * @param {string} [extra]
   */
  const button = (label, key, onclick, extra = '') =>
    h('button', { type: 'button', class: `review-button ${extra}`, 'aria-keyshortcuts': key, disabled: busy || blocked !== undefined, onclick }, label, ' ', h('kbd', { 'aria-hidden': 'true' }, key));
  return h(
    'section',
    { class: 'panel review-panel', 'aria-labelledby': 'review-heading' },
    h('h3', { id: 'review-heading' }, 'Review ', h('span', { class: `badge review review-${review.state}`, id: 'review-state' }, reviewLabel(review.state))),
    review.reviewedAt !== undefined && h('p', { class: 'reviewed-by' }, `by ${review.reviewer ?? 'unknown'} at ${formatDateTime(review.reviewedAt)}`),
    corrections.note !== undefined && h('p', { class: 'review-note' }, h('span', { class: 'label' }, 'Note: '), corrections.note),
    blocked !== undefined && h('p', { class: 'review-blocked' }, blocked),
    h(
      'div',
      { class: 'review-buttons', role: 'toolbar', 'aria-label': 'Review actions' },
      button('Confirm', 'c', actions.confirm, 'confirm'),
      button('False positive', 'f', actions.falsePositive, 'false-positive'),
      button('Relabel…', 'r', actions.relabel),
      button('Edit explanation…', 'e', actions.editExplanation),
      button('Note…', 'n', actions.note),
    ),
  );
}

/**
 * Renders an incident into `container`.
 * @param {HTMLElement} container
 * @param {IncidentViewModel} model
 * @param {ReviewActions} actions
 */
export function renderIncident(container, model, actions) {
  const { incident, explanation, busy, reviewBlocked } = model;
  const triage = triageView(incident, explanation);
  const title = triage?.summary || `Session ${incident.sessionKey}`;
  container.setAttribute('aria-busy', busy ? 'true' : 'false');
  container.dataset.incidentId = incident.id;
  replaceChildren(
    container,
    h(
      'header',
      { class: 'incident-header' },
      h('h2', { id: 'incident-title' }, title),
      h(
        'dl',
        { class: 'meta' },
        h('div', {}, h('dt', {}, 'Service'), h('dd', {}, incident.service ?? '–')),
        h('div', {}, h('dt', {}, 'Session'), h('dd', { class: 'mono' }, incident.sessionKey)),
        h('div', {}, h('dt', {}, 'Detected'), h('dd', {}, formatDateTime(incident.detectedAt))),
        h('div', {}, h('dt', {}, 'Span'), h('dd', {}, `${formatDateTime(incident.firstTimestamp)} + ${formatDuration(incident.lastTimestamp - incident.firstTimestamp)}`)),
        h('div', {}, h('dt', {}, 'Occurrences'), h('dd', {}, incident.occurrences ?? 1, incident.lastDetectedAt && incident.occurrences > 1 ? `, last ${formatDateTime(incident.lastDetectedAt)}` : '')),
        incident.traceId && h('div', {}, h('dt', {}, 'Trace'), h('dd', { class: 'mono' }, incident.traceId)),
        h('div', {}, h('dt', {}, 'Model'), h('dd', { class: 'mono' }, incident.modelVersion ?? '–')),
        h('div', {}, h('dt', {}, 'Id'), h('dd', { class: 'mono' }, incident.id)),
      ),
      renderScore(incident),
    ),
    h('div', { class: 'incident-columns' }, renderTriage(incident, triage), renderReview(incident, actions, busy, reviewBlocked)),
    renderLines(incident, triage?.evidenceLines ?? new Set()),
  );
}

/**
 * The placeholder while nothing (or nothing loadable) is selected.
 * @param {HTMLElement} container
 * @param {string} message
 */
export function renderEmpty(container, message) {
  container.setAttribute('aria-busy', 'false');
  delete container.dataset.incidentId;
  replaceChildren(container, h('p', { class: 'empty' }, message));
}
