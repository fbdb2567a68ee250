/** Readable titles of the default taxonomy's categories. */
const TITLES: Readonly<Record<string, string>> = {
  timeout: 'Timeout',
  connection_failure: 'Connection failure',
  database_error: 'Database error',
  service_call_failure: 'Service call failure',
  resource_exhaustion: 'Resource exhaustion',
  permission_error: 'Permission error',
  hardware_fault: 'Hardware fault',
  configuration_error: 'Configuration error',
  data_corruption: 'Data corruption',
  unknown: 'Unclassified anomaly',
};

/** A title for a category: `Database error`; a category of a replaced taxonomy gets its name with spaces. */
export function categoryTitle(category: string): string {
  const title = TITLES[category];
  if (title) return title;
  const spaced = category.replace(/_/g, ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
