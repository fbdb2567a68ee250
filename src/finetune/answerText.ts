import { sanitizeLogText, TRIAGE_OUTPUT_LIMITS } from '../triage/prompts/index.js';
import type { Taxonomy } from '../triage/taxonomy.js';

// Written answers quote log text: damaged characters (U+FFFD, lone surrogates) would make the
// answer fail the output schema, so they become `?`; controls and breaks go through sanitizeLogText.
const DAMAGED = /\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Log text as an answer may quote it: one clean line of at most `max` characters. */
export function clipText(text: string, max: number): string {
  return sanitizeLogText(text.replace(DAMAGED, '?'), max);
}

/** `“text”`, clipped to `max` characters. */
export function quoted(text: string, max = 140): string {
  return `“${clipText(text, max)}”`;
}

/** A summary: one line, at most {@link TRIAGE_OUTPUT_LIMITS.summaryChars} characters. */
export function summaryLine(text: string): string {
  return clipText(text, TRIAGE_OUTPUT_LIMITS.summaryChars);
}

/** An explanation cut to {@link TRIAGE_OUTPUT_LIMITS.explanationChars} characters. */
export function explanationText(sentences: readonly string[]): string {
  const text = sentences.join(' ');
  const max = TRIAGE_OUTPUT_LIMITS.explanationChars;
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** `[3]`, `[3] and [5]`, `[3], [5] and [7]`. */
export function lineRefs(lines: readonly number[]): string {
  const refs = lines.map((i) => `[${i}]`);
  return refs.length <= 1 ? (refs[0] ?? '') : `${refs.slice(0, -1).join(', ')} and ${refs.at(-1)}`;
}

export { categoryTitle } from '../triage/categoryTitle.js';

/** `This is database_error: the database rejected or failed a query (…).` from the taxonomy's description. */
export function categoryReason(category: string, taxonomy: Taxonomy): string {
  const description = taxonomy.categories.find((c) => c.name === category)?.description.replace(/\s+/g, ' ').trim();
  if (!description) return `This is ${category}.`;
  const lowered = description.charAt(0).toLowerCase() + description.slice(1);
  return `This is ${category}: ${lowered.endsWith('.') ? lowered : `${lowered}.`}`;
}

// Next steps per category, written for the training answers. `{service}` is the component that
// failed, `{line}` the first evidence line as `[i]`.
const ACTIONS: Readonly<Record<string, readonly string[]>> = {
  timeout: [
    'Check latency and saturation of {service} around line {line}: slow queries, lock waits, GC pauses',
    'Compare the timeout with the p99 latency of the dependency and look for a recent change in either',
    'Make sure retries back off, so they do not add load to the slow dependency',
  ],
  connection_failure: [
    'Check that the peer named in line {line} is up and its endpoints are ready (health checks, kubectl get endpoints)',
    'Check DNS, network policies and TLS certificates between {service} and the peer',
    'Look for restarts or deploys of the peer at the time of the incident',
  ],
  database_error: [
    'Read the database error in line {line} next to the database server log for the same time',
    'Check recent schema migrations and the queries changed in the latest deploy of {service}',
    'For deadlocks or serialization failures, lock rows in one order and retry with back-off',
  ],
  service_call_failure: [
    'Open the logs and traces of the failing service around line {line}',
    'Check its error rate, recent deploys and circuit breaker state',
    'Make sure callers degrade gracefully: fallbacks and bounded retries',
  ],
  resource_exhaustion: [
    'Check memory, disk, file descriptor and pool usage of {service} (metrics, kubectl top, kubectl describe)',
    'Find the leak or the traffic spike behind it before raising limits',
    'Check restarts and OOM kills of the affected pods',
  ],
  permission_error: [
    'Check the credentials, roles or scopes named in line {line} and when they last changed',
    'Check expiry and rotation of the tokens, keys and secrets {service} uses',
    'Confirm whether the denial was expected before changing any policy',
  ],
  hardware_fault: [
    'Check the kernel log, machine-check events and hardware health of the node in line {line}',
    'Drain the affected node and move its work elsewhere',
    'Open a hardware ticket for the node and component named in the log',
  ],
  configuration_error: [
    'Compare the configuration named in line {line} with the last working release',
    'Check environment variables, mounted files and secrets of {service}',
    'Roll back the configuration change if the service cannot work without it',
  ],
  data_corruption: [
    'Stop writes to the affected data if the damage may spread, and keep the damaged copy',
    'Restore the damaged data from a healthy replica or backup and verify its checksums',
    'Check disks and memory of the hosts that wrote it (line {line})',
  ],
  unknown: [
    'Compare the surprising lines with a normal session of the same kind',
    'Mark the incident as a false positive if the session is harmless, so the model learns it',
  ],
};

/** Up to 3 next steps for `category`, with the failing component and the first evidence line filled in. */
export function suggestedActions(category: string, service: string, firstLine: number | undefined): string[] {
  const list = ACTIONS[category] ?? ACTIONS.unknown!;
  return list.map((a) => {
    const withLine = firstLine === undefined ? a.replace(/ (?:around|in|at) line \{line\}| \(line \{line\}\)/, '').replace('{line}', 'the log') : a.replace('{line}', `[${firstLine}]`);
    return clipText(withLine.replace('{service}', service), TRIAGE_OUTPUT_LIMITS.actionChars);
  });
}
