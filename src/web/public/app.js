// @ts-check
/* global document, window, history, location, setTimeout, clearTimeout, URLSearchParams, FormData,
   HTMLElement, HTMLFormElement, HTMLInputElement, HTMLSelectElement, HTMLTextAreaElement, HTMLButtonElement,
   HTMLDialogElement, HTMLOListElement, HTMLParagraphElement, HTMLSpanElement, HTMLDivElement */
import { ApiError, getExplanation, getIncident, getMe, getStats, getToken, listCategories, listIncidents, reviewIncident, setToken } from './api.js';
import { byId, h, replaceChildren } from './dom.js';
import { formatClock, localInputToMs, msToLocalInput } from './format.js';
import { buttonFor, markSelected, renderList } from './incidentList.js';
import { renderEmpty, renderIncident, triageView } from './incidentView.js';
import { installShortcuts } from './shortcuts.js';

/**
 * @typedef {import('./api.js').IncidentSummary} IncidentSummary
 * @typedef {import('./api.js').Incident} Incident
 * @typedef {import('./api.js').Explanation} Explanation
 * @typedef {import('./api.js').IncidentFilters} IncidentFilters
 * @typedef {import('./api.js').Category} Category
 * @typedef {import('./api.js').ReviewInput} ReviewInput
 * @typedef {import('./api.js').Me} Me
 */

/** Incidents per page. */
const PAGE_SIZE = 50;
/** The API's largest page: a refresh re-reads at most this many. */
const MAX_PAGE = 500;
/** Live refresh period, ms. */
const POLL_MS = 5_000;
/** Category counts are refreshed every this many polls. */
const CATEGORY_EVERY = 6;
/** Pause after a search keystroke before the list is reloaded, ms. */
const SEARCH_DEBOUNCE_MS = 300;
const FILTER_KEYS = /** @type {const} */ (['q', 'status', 'review', 'category', 'severity', 'service', 'from', 'to']);

const el = {
  list: byId('incident-list', HTMLOListElement),
  loadMore: byId('load-more', HTMLButtonElement),
  listCount: byId('list-count', HTMLParagraphElement),
  incident: byId('incident', HTMLElement),
  filters: byId('filters', HTMLFormElement),
  search: byId('filter-q', HTMLInputElement),
  filterCategory: byId('filter-category', HTMLSelectElement),
  refresh: byId('refresh-button', HTMLButtonElement),
  updated: byId('updated', HTMLSpanElement),
  stats: byId('stats', HTMLParagraphElement),
  whoami: byId('whoami', HTMLParagraphElement),
  banner: byId('banner', HTMLDivElement),
  bannerText: byId('banner-text', HTMLParagraphElement),
  bannerToken: byId('banner-token', HTMLButtonElement),
  bannerClose: byId('banner-close', HTMLButtonElement),
  announcer: byId('announcer', HTMLDivElement),
  tokenButton: byId('token-button', HTMLButtonElement),
  helpButton: byId('help-button', HTMLButtonElement),
  tokenDialog: byId('token-dialog', HTMLDialogElement),
  tokenForm: byId('token-form', HTMLFormElement),
  tokenInput: byId('token-input', HTMLInputElement),
  tokenClear: byId('token-clear', HTMLButtonElement),
  relabelDialog: byId('relabel-dialog', HTMLDialogElement),
  relabelForm: byId('relabel-form', HTMLFormElement),
  relabelSelect: byId('relabel-category', HTMLSelectElement),
  relabelCurrent: byId('relabel-current', HTMLParagraphElement),
  relabelDescription: byId('relabel-description', HTMLParagraphElement),
  textDialog: byId('text-dialog', HTMLDialogElement),
  textForm: byId('text-form', HTMLFormElement),
  textTitle: byId('text-title', HTMLElement),
  textLabel: byId('text-label', HTMLSpanElement),
  textInput: byId('text-input', HTMLTextAreaElement),
  helpDialog: byId('help-dialog', HTMLDialogElement),
};

const state = {
  /** @type {IncidentFilters} */
  filters: {},
  /** @type {IncidentSummary[]} */
  items: [],
  /** @type {string | undefined} */
  nextCursor: undefined,
  /** @type {string | undefined} */
  selectedId: undefined,
  /** @type {Incident | undefined} */
  incident: undefined,
  /** @type {Explanation | undefined} */
  explanation: undefined,
  /** @type {Category[]} */
  categories: [],
  /** @type {Me | undefined} who the caller is, when the API says */
  me: undefined,
  /** A review request is in flight. */
  busy: false,
  /** Bumped by every list (re)load: an answer for an older generation is dropped. */
  listGeneration: 0,
  /** Bumped by every detail load, for the same reason. */
  detailGeneration: 0,
  /** @type {'poll' | 'action' | undefined} what the banner is about */
  bannerSource: undefined,
  /** @type {'explanation' | 'note'} */
  textMode: 'explanation',
  polls: 0,
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  pollTimer: undefined,
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  searchTimer: undefined,
};

// ---------------------------------------------------------------- messages

/**
 * Says `message` to screen readers (and nothing on screen).
 * @param {string} message
 */
function announce(message) {
  el.announcer.textContent = '';
  // A fresh text node after clearing makes screen readers repeat an identical message.
  setTimeout(() => {
    el.announcer.textContent = message;
  }, 30);
}

/**
 * Shows an error in the banner; 401 and 403 say what to do about them.
 * @param {unknown} error
 * @param {'poll' | 'action'} source
 */
function showError(error, source) {
  let text;
  let offerToken = false;
  if (error instanceof ApiError && error.status === 401) {
    text = getToken()
      ? `The API refused the token (401 ${error.code}): ${error.message} Paste a valid token.`
      : `The API needs a token (401 ${error.code}): ${error.message} Paste one to continue.`;
    offerToken = true;
  } else if (error instanceof ApiError && error.status === 403) {
    text = `Not allowed (403 ${error.code}): ${error.message} This token's role cannot do that; reviewing needs a reviewer or admin token.`;
    offerToken = true;
  } else if (error instanceof ApiError) {
    text = error.status ? `${error.message} (${error.status} ${error.code}${error.field ? `, field ${error.field}` : ''})` : error.message;
  } else {
    text = `Unexpected error: ${String(error instanceof Error ? error.message : error)}`;
  }
  el.bannerText.textContent = text;
  el.bannerToken.hidden = !offerToken;
  el.banner.hidden = false;
  el.banner.dataset.status = error instanceof ApiError ? String(error.status) : '';
  state.bannerSource = source;
}

/** @param {'poll' | 'action' | undefined} [source] clears only a banner from this source */
function clearError(source) {
  if (source !== undefined && state.bannerSource !== source) return;
  el.banner.hidden = true;
  el.bannerText.textContent = '';
  state.bannerSource = undefined;
}

// ---------------------------------------------------------------- filters and the URL

/** @returns {IncidentFilters} */
function readFilters() {
  const data = new FormData(el.filters);
  /** @param {string} name */
  const text = (name) => {
    const value = data.get(name);
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  return {
    q: text('q'),
    status: text('status'),
    review: text('review'),
    category: text('category'),
    severity: text('severity'),
    service: text('service'),
    from: localInputToMs(text('from') ?? ''),
    to: localInputToMs(text('to') ?? ''),
  };
}

/** @param {IncidentFilters} filters */
function writeFilters(filters) {
  for (const key of FILTER_KEYS) {
    const field = el.filters.elements.namedItem(key);
    const value = filters[key];
    if (field instanceof HTMLInputElement && field.type === 'datetime-local') {
      field.value = typeof value === 'number' ? msToLocalInput(value) : '';
    } else if (field instanceof HTMLSelectElement) {
      if (typeof value === 'string' && value !== '' && ![...field.options].some((o) => o.value === value)) field.append(h('option', { value }, value));
      field.value = value === undefined ? '' : String(value);
    } else if (field instanceof HTMLInputElement) {
      field.value = value === undefined ? '' : String(value);
    }
  }
}

/** Keeps the filters and the selection in the URL's fragment, so a reload or a shared link shows the same. */
function syncHash() {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = state.filters[key];
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  if (state.selectedId) params.set('incident', state.selectedId);
  const hash = params.toString();
  history.replaceState(null, '', hash ? `#${hash}` : location.pathname + location.search);
}

/** @returns {{ filters: IncidentFilters, selectedId: string | undefined }} */
function parseHash() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  /** @type {IncidentFilters} */
  const filters = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value === null || value === '') continue;
    if (key === 'from' || key === 'to') {
      const ms = Number(value);
      if (Number.isFinite(ms)) filters[key] = ms;
    } else {
      filters[key] = value;
    }
  }
  return { filters, selectedId: params.get('incident') || undefined };
}

/** Reads the form; reloads the list when the filters changed. */
function applyFilters() {
  const filters = readFilters();
  if (filters.from !== undefined && filters.to !== undefined && filters.to <= filters.from) {
    showError(new ApiError(400, 'invalid_request', '"until" must be later than "from".', 'to'), 'action');
    return;
  }
  if (JSON.stringify(filters) === JSON.stringify(state.filters)) return;
  state.filters = filters;
  syncHash();
  void loadList({ append: false });
}

// ---------------------------------------------------------------- list

/** @returns {number} how many to read on a refresh: at least a page, at most the API's largest */
function refreshLimit() {
  return Math.min(MAX_PAGE, Math.max(PAGE_SIZE, state.items.length));
}

/**
 * Loads the first page (replacing the list) or the next one (appending).
 * @param {{ append: boolean, refresh?: boolean }} options `refresh` re-reads as many as are shown
 * @returns {Promise<boolean>} whether it succeeded
 */
async function loadList({ append, refresh = false }) {
  const generation = ++state.listGeneration;
  const cursor = append ? state.nextCursor : undefined;
  if (append && !cursor) return true;
  el.loadMore.disabled = true;
  el.list.setAttribute('aria-busy', 'true');
  try {
    const page = await listIncidents(state.filters, { limit: append ? PAGE_SIZE : refresh ? refreshLimit() : PAGE_SIZE, cursor });
    if (generation !== state.listGeneration) return false;
    if (append) {
      const known = new Set(state.items.map((item) => item.id));
      state.items = [...state.items, ...page.items.filter((item) => !known.has(item.id))];
      state.nextCursor = page.nextCursor;
    } else if (refresh && state.items.length > MAX_PAGE) {
      // More are shown than one request can re-read: refresh the newest, keep the rest and their cursor.
      const fresh = new Set(page.items.map((item) => item.id));
      state.items = [...page.items, ...state.items.slice(MAX_PAGE).filter((item) => !fresh.has(item.id))];
    } else {
      state.items = page.items;
      state.nextCursor = page.nextCursor;
    }
    renderList(el.list, state.items, state.selectedId, (id) => void select(id));
    renderListCount();
    el.updated.textContent = `updated ${formatClock(Date.now())}`;
    el.updated.dataset.at = String(Date.now());
    clearError('poll');
    return true;
  } catch (error) {
    if (generation === state.listGeneration) showError(error, 'poll');
    return false;
  } finally {
    if (generation === state.listGeneration) {
      el.loadMore.disabled = false;
      el.list.setAttribute('aria-busy', 'false');
    }
  }
}

function renderListCount() {
  el.loadMore.hidden = !state.nextCursor;
  const n = state.items.length;
  el.listCount.textContent =
    n === 0 ? 'No incidents match these filters.' : `${n} incident${n === 1 ? '' : 's'} shown${state.nextCursor ? ', more available' : ''}`;
}

async function loadStats() {
  try {
    const stats = await getStats();
    const parts = [`${stats.total ?? 0} incidents`];
    if (stats.byStatus?.pending) parts.push(`${stats.byStatus.pending} pending triage`);
    if (stats.byReview?.unreviewed !== undefined) parts.push(`${stats.byReview.unreviewed} unreviewed`);
    if (stats.last24h !== undefined) parts.push(`${stats.last24h} in the last 24 h`);
    el.stats.textContent = parts.join(' · ');
  } catch {
    // The list's error already says what is wrong; the counts just stay as they were.
  }
}

async function loadCategories() {
  try {
    state.categories = await listCategories();
  } catch {
    return;
  }
  const current = el.filterCategory.value;
  replaceChildren(
    el.filterCategory,
    h('option', { value: '' }, 'any'),
    state.categories.map((c) => h('option', { value: c.name }, `${c.name} (${c.count})`)),
  );
  if (current && !state.categories.some((c) => c.name === current)) el.filterCategory.append(h('option', { value: current }, current));
  el.filterCategory.value = current;
}

// ---------------------------------------------------------------- the selected incident

/**
 * Selects an incident and shows it.
 * @param {string} id
 */
async function select(id) {
  const changed = id !== state.selectedId;
  state.selectedId = id;
  markSelected(el.list, id);
  syncHash();
  if (changed) {
    state.incident = undefined;
    state.explanation = undefined;
    renderEmpty(el.incident, 'Loading…');
    el.incident.setAttribute('aria-busy', 'true');
  }
  await loadDetail(id);
}

/**
 * Loads (or reloads) the selected incident and its explanation.
 * @param {string} id
 */
async function loadDetail(id) {
  const generation = ++state.detailGeneration;
  try {
    const [incident, explanation] = await Promise.all([getIncident(id), getExplanation(id)]);
    if (generation !== state.detailGeneration || id !== state.selectedId) return;
    state.incident = incident;
    state.explanation = explanation;
    renderDetail();
  } catch (error) {
    if (generation !== state.detailGeneration || id !== state.selectedId) return;
    if (error instanceof ApiError && error.status === 404) {
      state.incident = undefined;
      renderEmpty(el.incident, `Incident ${id} does not exist (any more).`);
    } else {
      if (!state.incident) renderEmpty(el.incident, 'The incident could not be loaded.');
      showError(error, 'poll');
    }
  }
}

/** Renders the selected incident, keeping focus on the same review button if it had it. */
function renderDetail() {
  if (!state.incident) return;
  const active = document.activeElement;
  const focusedKey = active instanceof HTMLElement && el.incident.contains(active) ? active.getAttribute('aria-keyshortcuts') : null;
  renderIncident(el.incident, { incident: state.incident, explanation: state.explanation, busy: state.busy, reviewBlocked: reviewBlocked() }, reviewActions);
  if (focusedKey) {
    const again = el.incident.querySelector(`[aria-keyshortcuts="${focusedKey}"]`);
    if (again instanceof HTMLElement) again.focus({ preventScroll: true });
  }
}

/**
 * Moves the selection by `step` through the list, loading the next page at its end.
 * @param {1 | -1} step
 */
async function move(step) {
  const listHadFocus = el.list.contains(document.activeElement);
  let index = state.items.findIndex((item) => item.id === state.selectedId);
  if (index === -1) index = step === 1 ? -1 : state.items.length;
  let next = index + step;
  if (next >= state.items.length && state.nextCursor) {
    await loadList({ append: true });
  }
  next = Math.max(0, Math.min(state.items.length - 1, next));
  const item = state.items[next];
  if (!item || item.id === state.selectedId) return;
  const selecting = select(item.id);
  if (listHadFocus) buttonFor(el.list, item.id)?.focus();
  await selecting;
}

// ---------------------------------------------------------------- reviews

/** Labels of the review actions, for announcements. */
const DONE = {
  confirm: 'Confirmed',
  false_positive: 'Marked as false positive',
  relabel: 'Relabelled',
  edit_explanation: 'Explanation saved',
  note: 'Note added',
};

/**
 * Sends a review and shows its result.
 * @param {ReviewInput} input
 * @returns {Promise<boolean>} whether it was accepted
 */
async function review(input) {
  const id = state.selectedId;
  if (!id || !state.incident || state.busy) return false;
  state.busy = true;
  renderDetail();
  try {
    await reviewIncident(id, input);
    clearError('action');
    announce(`${DONE[input.action]}${input.category ? ` as ${input.category}` : ''}.`);
    return true;
  } catch (error) {
    showError(error, 'action');
    return false;
  } finally {
    state.busy = false;
    if (id === state.selectedId) await loadDetail(id);
    void loadList({ append: false, refresh: true });
    void loadStats();
  }
}

/** Why the caller may not review, when the API said who they are; else undefined. */
function reviewBlocked() {
  const me = state.me;
  if (!me || me.role !== 'viewer') return undefined;
  return `The token "${me.name}" has the role viewer: reviewing needs a reviewer or admin token.`;
}

/** Whether a review can start now (an incident is shown, none is in flight, the caller may review); says why not. */
function canReview() {
  if (!state.incident) {
    announce('Select an incident first.');
    return false;
  }
  const blocked = reviewBlocked();
  if (blocked) {
    announce(blocked);
    return false;
  }
  return !state.busy;
}

/** Asks the API who the caller is, for the header and for disabling review actions a viewer may not use. */
async function loadMe() {
  try {
    state.me = await getMe();
  } catch {
    state.me = undefined;
  }
  el.whoami.textContent = state.me ? (state.me.auth === 'open' ? 'open API (no tokens)' : `${state.me.name} · ${state.me.role}`) : '';
  renderDetail();
}

function openRelabel() {
  if (!canReview() || !state.incident) return;
  const current = triageView(state.incident, state.explanation)?.category;
  el.relabelCurrent.textContent = current ? `Now: ${current}` : 'Not classified yet.';
  // Only the taxonomy's categories: the API refuses a relabel to one it lacks.
  const choices = state.categories.filter((c) => c.inTaxonomy);
  replaceChildren(
    el.relabelSelect,
    choices.map((c) => h('option', { value: c.name, selected: c.name === current }, c.name)),
  );
  el.relabelSelect.size = Math.min(12, Math.max(2, choices.length));
  if (el.relabelSelect.selectedIndex < 0) el.relabelSelect.selectedIndex = 0;
  describeCategory();
  dialogError(el.relabelDialog, choices.length === 0 ? 'The categories could not be loaded from the API; close this and try again in a moment.' : '');
  if (choices.length === 0) void loadCategories();
  el.relabelDialog.showModal();
  el.relabelSelect.focus();
}

function describeCategory() {
  const chosen = state.categories.find((c) => c.name === el.relabelSelect.value);
  el.relabelDescription.textContent = chosen?.description ?? '';
}

/** @param {'explanation' | 'note'} mode */
function openText(mode) {
  if (!canReview() || !state.incident) return;
  state.textMode = mode;
  const triage = triageView(state.incident, state.explanation);
  el.textTitle.textContent = mode === 'explanation' ? 'Edit the explanation' : 'Add a note';
  el.textLabel.textContent = mode === 'explanation' ? 'Corrected explanation' : 'Note (kept in the audit log and the finetuning data)';
  el.textInput.value = mode === 'explanation' ? (triage?.explanation ?? '') : '';
  el.textInput.maxLength = mode === 'explanation' ? 20_000 : 5_000;
  dialogError(el.textDialog, '');
  el.textDialog.showModal();
  el.textInput.focus();
}

/**
 * Shows (or clears) an error inside a dialog.
 * @param {HTMLDialogElement} dialog
 * @param {string} message
 */
function dialogError(dialog, message) {
  let box = dialog.querySelector('.dialog-error');
  if (!box) {
    box = h('p', { class: 'dialog-error', role: 'alert' });
    dialog.querySelector('.dialog-buttons')?.before(box);
  }
  box.textContent = message;
  box.toggleAttribute('hidden', message === '');
}

/**
 * Submits a review from a dialog: the dialog stays open (showing the error) until it is accepted.
 * @param {HTMLDialogElement} dialog
 * @param {ReviewInput} input
 */
async function submitFromDialog(dialog, input) {
  const buttons = [...dialog.querySelectorAll('button')];
  for (const b of buttons) b.disabled = true;
  const ok = await review(input);
  for (const b of buttons) b.disabled = false;
  if (ok) dialog.close();
  else dialogError(dialog, el.bannerText.textContent ?? 'The review was not accepted.');
}

/** @type {import('./incidentView.js').ReviewActions} */
const reviewActions = {
  confirm: () => void (canReview() && review({ action: 'confirm' })),
  falsePositive: () => void (canReview() && review({ action: 'false_positive' })),
  relabel: openRelabel,
  editExplanation: () => openText('explanation'),
  note: () => openText('note'),
};

// ---------------------------------------------------------------- live refresh

async function poll() {
  clearTimeout(state.pollTimer);
  state.polls += 1;
  if (state.polls % CATEGORY_EVERY === 0) void loadCategories();
  const tasks = [loadList({ append: false, refresh: true }), loadStats()];
  // The selected incident is re-read when it changed (or while its triage is pending).
  const id = state.selectedId;
  if (id && !state.busy) {
    const summary = state.items.find((item) => item.id === id);
    if (!state.incident || state.incident.triage?.status === 'pending' || (summary && summary.updatedAt !== state.incident.updatedAt)) {
      tasks.push(loadDetail(id));
    }
  }
  await Promise.allSettled(tasks);
  schedulePoll();
}

function schedulePoll() {
  clearTimeout(state.pollTimer);
  if (!document.hidden) state.pollTimer = setTimeout(() => void poll(), POLL_MS);
}

// ---------------------------------------------------------------- wiring

function wire() {
  el.filters.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(state.searchTimer);
    applyFilters();
  });
  // Text fields apply as one types (after a pause), the others when they change.
  /** @param {EventTarget | null} target */
  const typed = (target) => target instanceof HTMLInputElement && (target.type === 'search' || target.type === 'text');
  el.filters.addEventListener('change', (event) => {
    if (!typed(event.target)) applyFilters();
  });
  el.filters.addEventListener('input', (event) => {
    if (!typed(event.target)) return;
    clearTimeout(state.searchTimer);
    state.searchTimer = setTimeout(applyFilters, SEARCH_DEBOUNCE_MS);
  });
  el.filters.addEventListener('reset', () => setTimeout(applyFilters, 0));
  // Esc leaves a filter field, so the shortcuts work again.
  el.filters.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && event.target instanceof HTMLElement) event.target.blur();
  });
  el.refresh.addEventListener('click', () => void poll());
  el.loadMore.addEventListener('click', () => void loadList({ append: true }));

  el.bannerClose.addEventListener('click', () => clearError());
  el.bannerToken.addEventListener('click', openToken);
  el.tokenButton.addEventListener('click', openToken);
  el.helpButton.addEventListener('click', () => el.helpDialog.showModal());

  for (const dialog of [el.tokenDialog, el.relabelDialog, el.textDialog, el.helpDialog]) {
    for (const close of dialog.querySelectorAll('[data-close]')) close.addEventListener('click', () => dialog.close());
  }

  el.tokenForm.addEventListener('submit', (event) => {
    event.preventDefault();
    setToken(el.tokenInput.value.trim());
    el.tokenDialog.close();
    updateTokenButton();
    clearError();
    void loadMe();
    void poll();
    void loadCategories();
  });
  el.tokenClear.addEventListener('click', () => {
    setToken('');
    el.tokenInput.value = '';
    el.tokenDialog.close();
    updateTokenButton();
    void loadMe();
    void poll();
  });

  el.relabelForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const category = el.relabelSelect.value;
    if (category) void submitFromDialog(el.relabelDialog, { action: 'relabel', category });
  });
  el.relabelSelect.addEventListener('change', describeCategory);
  // A list box does not submit its form on Enter by itself; a double click picks too.
  el.relabelSelect.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      el.relabelForm.requestSubmit();
    }
  });
  el.relabelSelect.addEventListener('dblclick', () => el.relabelForm.requestSubmit());

  el.textForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = el.textInput.value.trim();
    if (!text) return;
    void submitFromDialog(el.textDialog, state.textMode === 'explanation' ? { action: 'edit_explanation', explanation: text } : { action: 'note', note: text });
  });
  el.textInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      el.textForm.requestSubmit();
    }
  });

  installShortcuts(
    {
      j: () => void move(1),
      k: () => void move(-1),
      c: reviewActions.confirm,
      f: reviewActions.falsePositive,
      r: reviewActions.relabel,
      e: reviewActions.editExplanation,
      n: reviewActions.note,
      u: () => void poll(),
      '/': () => {
        el.search.focus();
        el.search.select();
      },
      '?': () => el.helpDialog.showModal(),
    },
    { repeatable: ['j', 'k'] },
  );

  document.addEventListener('visibilitychange', () => {
    if (document.hidden) clearTimeout(state.pollTimer);
    else void poll();
  });
  window.addEventListener('hashchange', () => {
    const { filters, selectedId } = parseHash();
    if (JSON.stringify(filters) !== JSON.stringify(state.filters)) {
      state.filters = filters;
      writeFilters(filters);
      void loadList({ append: false });
    }
    if (selectedId && selectedId !== state.selectedId) void select(selectedId);
  });
}

function openToken() {
  el.tokenInput.value = getToken();
  el.tokenDialog.showModal();
  el.tokenInput.focus();
}

function updateTokenButton() {
  el.tokenButton.textContent = getToken() ? 'API token ✓' : 'API token';
  el.tokenButton.setAttribute('aria-label', getToken() ? 'API token (one is set)' : 'API token (none set)');
}

async function start() {
  wire();
  updateTokenButton();
  const { filters, selectedId } = parseHash();
  state.filters = filters;
  await Promise.all([loadCategories(), loadMe()]);
  writeFilters(filters);
  const listed = loadList({ append: false });
  void loadStats();
  if (selectedId) void select(selectedId);
  else renderEmpty(el.incident, 'Select an incident in the list (or press j).');
  await listed;
  schedulePoll();
}

void start();
