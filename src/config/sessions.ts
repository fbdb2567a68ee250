import { z } from 'zod';

/** How events are grouped into sessions. Filled in by the sessions stage. */
export const sessionsConfigSchema = z
  .strictObject({
    key: z
      .string()
      .default('traceId')
      .describe('Session key: `traceId`, `attribute:<name>`, `resource:<name>`, `regex:<pattern>`, `window` or `count`.'),
  })
  .describe('Grouping events into sessions.');

export type SessionsConfig = z.infer<typeof sessionsConfigSchema>;
