import type { z } from 'zod';
import { ApiError } from './ApiError.js';

/** Where a validated value comes from; named in the error message. */
export type InputSource = 'query parameter' | 'path parameter' | 'body field';

function fieldOf(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) return [...issue.path.map(String), issue.keys[0]!].join('.');
  return issue.path.length > 0 ? issue.path.map(String).join('.') : undefined;
}

function reasonOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown ${issue.keys.length > 1 ? `names (${issue.keys.join(', ')})` : 'name'}; see /api/openapi.json for the accepted ones`;
  return issue.message;
}

/**
 * Parses `input` with `schema` (`safeParse`); on failure throws a 400 `invalid_request`
 * {@link ApiError} naming the first offending field and why, with every issue in the message.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, source: InputSource): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const described = issues.map((issue) => {
    const field = fieldOf(issue);
    return field === undefined ? `${source === 'body field' ? 'body' : source}: ${reasonOf(issue)}` : `${source} ${field}: ${reasonOf(issue)}`;
  });
  const first = issues[0]!;
  const field = fieldOf(first);
  const allowed = first.code === 'invalid_value' ? first.values.map(String) : undefined;
  throw new ApiError('invalid_request', described.join('; '), {
    ...(field !== undefined ? { field } : { field: source === 'body field' ? 'body' : source }),
    reason: reasonOf(first),
    ...(allowed !== undefined ? { allowed } : {}),
  });
}
