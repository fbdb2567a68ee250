/**
 * A PostgreSQL connection string fit for messages and logs: the password (in the user part or a
 * `password` parameter) is replaced by `***`. Something that does not parse as a URL is not shown.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(a connection string that is not a URL)';
  }
  if (parsed.password) parsed.password = '***';
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.toString();
}
