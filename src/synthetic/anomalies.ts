import type { Failure, FaultSite, SiteKind } from './faults.js';
import type { RequestBuilder } from './RequestBuilder.js';
import type { Scenario } from './scenarios/common.js';
import { CONNECTION } from './scenarios/connectionFailure.js';
import { DATABASE } from './scenarios/databaseError.js';
import { PERMISSION } from './scenarios/permissionError.js';
import { RESOURCE } from './scenarios/resourceExhaustion.js';
import { SERVICE_CALL } from './scenarios/serviceCallFailure.js';
import { TIMEOUT } from './scenarios/timeout.js';
import type { AnomalyCategory } from './types.js';

const SCENARIOS: Record<AnomalyCategory, readonly Scenario[]> = {
  timeout: TIMEOUT,
  connection_failure: CONNECTION,
  database_error: DATABASE,
  service_call_failure: SERVICE_CALL,
  resource_exhaustion: RESOURCE,
  permission_error: PERMISSION,
};

const kindsOf = (category: AnomalyCategory): readonly SiteKind[] => [...new Set(SCENARIOS[category].flatMap((s) => s.kinds))];

/** The kinds of site where each category can be injected. */
export const FAULT_SITES: Readonly<Record<AnomalyCategory, readonly SiteKind[]>> = {
  timeout: kindsOf('timeout'),
  connection_failure: kindsOf('connection_failure'),
  database_error: kindsOf('database_error'),
  service_call_failure: kindsOf('service_call_failure'),
  resource_exhaustion: kindsOf('resource_exhaustion'),
  permission_error: kindsOf('permission_error'),
};

/** Writes the lines of a failure of `category` at `site` (one scenario picked at random) and returns how the caller sees it. */
export function injectFault(b: RequestBuilder, category: AnomalyCategory, site: FaultSite): Failure {
  const candidates = SCENARIOS[category].filter((s) => s.kinds.includes(site.kind) && (s.when?.(site) ?? true));
  return b.rng.pick(candidates).run(b, site);
}
