// @ts-check
/* global fetch, sessionStorage, AbortSignal, URLSearchParams, AbortController, setTimeout, clearTimeout, DOMException */

/**
 * The client of the explanation API (`/api/…`). Paths are relative to the page, so the service can
 * sit behind a proxy under a prefix. The shapes below mirror src/incidents/IncidentStore.ts.
 *
 * @typedef {'pending' | 'triaged' | 'failed'} TriageStatus
 * @typedef {'unreviewed' | 'confirmed' | 'false_positive' | 'relabelled'} ReviewState
 * @typedef {{ templateId: string, probability: number }} Expected
 * @typedef {{ position: number, templateId: string, surprise: number, expected: Expected[] }} Evidence
 * @typedef {{ category: string, severity: string, confidence: number, summary: string, explanation: string,
 *   evidenceLines: number[], suggestedActions: string[], backend: string }} TriageResult
 * @typedef {{ category?: string, explanation?: string, note?: string }} Corrections
 * @typedef {{ state: ReviewState, reviewer?: string, reviewedAt?: number, corrections: Corrections }} Review
 * @typedef {{ status: TriageStatus, attempts?: number, lastError?: string, result?: TriageResult, triagedAt?: number }} Triage
 * @typedef {{ id: string, sessionKey: string, service?: string, firstTimestamp: number, lastTimestamp: number,
 *   detectedAt: number, lastDetectedAt?: number, occurrences: number, truncatedLines: number, score: number,
 *   threshold: number, modelVersion: string, signature: string, traceId?: string, triage: Triage, review: Review,
 *   updatedAt: number }} IncidentBase
 * @typedef {IncidentBase & { eventCount?: number, category?: string | null, severity?: string | null, summary?: string | null }} IncidentSummary
 * @typedef {IncidentBase & { lines: string[], templateIds: string[], templates: string[], evidence: Evidence[] }} Incident
 * @typedef {{ items: IncidentSummary[], nextCursor?: string }} IncidentPage
 * @typedef {{ id: string, status: TriageStatus, category: string | null, severity: string | null, confidence: number | null,
 *   summary: string | null, explanation: string | null, evidenceLines: { index: number, line: string }[],
 *   suggestedActions: string[], backend: string | null, heuristic: boolean, corrected: boolean,
 *   original?: { category: string | null, explanation: string | null } | null, review?: Review }} Explanation
 * @typedef {{ name: string, description?: string, count: number, inTaxonomy: boolean }} Category
 * @typedef {{ name: string, role: 'viewer' | 'reviewer' | 'admin', auth: 'token' | 'open' }} Me
 * @typedef {{ total: number, byStatus?: Record<string, number>, byReview?: Record<string, number>,
 *   bySeverity?: Record<string, number>, last24h?: number, occurrences?: number }} Stats
 * @typedef {{ action: 'confirm' | 'false_positive' | 'relabel' | 'edit_explanation' | 'note',
 *   category?: string, explanation?: string, note?: string }} ReviewInput
 * @typedef {{ status?: string, category?: string, severity?: string, service?: string, review?: string,
 *   from?: number, to?: number, q?: string }} IncidentFilters
 */

const TOKEN_KEY = 'logtriage.apiToken';
const REQUEST_TIMEOUT_MS = 15_000;

/** An API answer other than 2xx, or no answer at all (`status` 0). */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the API could not be reached
   * @param {string} code the API's error code
   * @param {string} message
   * @param {string} [field] the request field the error is about
   */
  constructor(status, code, message, field) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** The API token of this tab ('' when none). */
export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

/**
 * Keeps the token for this tab only; '' forgets it.
 * @param {string} token
 */
export function setToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage refused (privacy mode): the token lasts until the page is reloaded.
  }
}

/**
 * @param {string} path relative to the page, e.g. `api/incidents`
 * @param {{ method?: string, body?: unknown, signal?: AbortSignal }} [options]
 * @returns {Promise<unknown>}
 */
async function request(path, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new DOMException('timed out', 'TimeoutError')), REQUEST_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  let response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal,
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const reason = timeout.signal.aborted ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : String(/** @type {Error} */ (error).message ?? error);
    throw new ApiError(0, 'unreachable', `Cannot reach the API (${reason}); retrying.`);
  } finally {
    clearTimeout(timer);
  }
  const text = await response.text();
  /** @type {any} */
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    const error = data && typeof data === 'object' ? data.error : undefined;
    throw new ApiError(
      response.status,
      typeof error?.code === 'string' ? error.code : `http_${response.status}`,
      typeof error?.message === 'string' ? error.message : `${response.status} ${response.statusText || 'error'} from ${path}`,
      typeof error?.field === 'string' ? error.field : undefined,
    );
  }
  return data;
}

/**
 * The query string of a list request.
 * @param {IncidentFilters} filters
 * @param {{ limit?: number, cursor?: string }} [paging]
 */
export function incidentQuery(filters, paging = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  if (paging.limit) params.set('limit', String(paging.limit));
  if (paging.cursor) params.set('cursor', paging.cursor);
  return params.toString();
}

/**
 * @param {IncidentFilters} filters
 * @param {{ limit?: number, cursor?: string, signal?: AbortSignal }} [paging]
 * @returns {Promise<IncidentPage>}
 */
export async function listIncidents(filters, paging = {}) {
  const query = incidentQuery(filters, paging);
  const page = /** @type {IncidentPage} */ (await request(`api/incidents${query ? `?${query}` : ''}`, { signal: paging.signal }));
  return { items: Array.isArray(page?.items) ? page.items : [], nextCursor: page?.nextCursor || undefined };
}

/**
 * @param {string} id
 * @param {AbortSignal} [signal]
 * @returns {Promise<Incident>}
 */
export async function getIncident(id, signal) {
  return /** @type {Incident} */ (await request(`api/incidents/${encodeURIComponent(id)}`, { signal }));
}

/**
 * The incident's explanation, or `undefined` when the API has none for it (an API that answers 404
 * while triage is pending; the current one answers 200 with null fields).
 * @param {string} id
 * @param {AbortSignal} [signal]
 * @returns {Promise<Explanation | undefined>}
 */
export async function getExplanation(id, signal) {
  try {
    return /** @type {Explanation} */ (await request(`api/incidents/${encodeURIComponent(id)}/explanation`, { signal }));
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 409)) return undefined;
    throw error;
  }
}

/**
 * @param {string} id
 * @param {ReviewInput} input
 * @returns {Promise<unknown>}
 */
export async function reviewIncident(id, input) {
  return request(`api/incidents/${encodeURIComponent(id)}/review`, { method: 'POST', body: input });
}

/**
 * The taxonomy's categories with their incident counts, whichever of the plausible shapes the API
 * answers with (a bare array or `{ categories }`; `name` or `category`).
 * @returns {Promise<Category[]>}
 */
export async function listCategories() {
  /** @type {any} */
  const data = await request('api/categories');
  /** @type {any[]} */
  const raw = Array.isArray(data) ? data : Array.isArray(data?.categories) ? data.categories : Array.isArray(data?.items) ? data.items : [];
  return raw
    .map((c) => ({
      name: String(c?.name ?? c?.category ?? ''),
      description: typeof c?.description === 'string' ? c.description : undefined,
      count: Number.isFinite(c?.count) ? c.count : 0,
      inTaxonomy: c?.inTaxonomy !== false,
    }))
    .filter((c) => c.name !== '');
}

/**
 * Who the caller is, or `undefined` when the API cannot say (no `/api/me`).
 * @returns {Promise<Me | undefined>}
 */
export async function getMe() {
  try {
    return /** @type {Me} */ (await request('api/me'));
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return undefined;
    throw error;
  }
}

/** @returns {Promise<Stats>} */
export async function getStats() {
  return /** @type {Stats} */ (await request('api/stats'));
}
