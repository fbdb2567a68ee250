import { z } from 'zod';
import { ConfigError } from '../util/errors.js';

/** The forms `sessions.key` may take, for messages. */
const KEY_FORMS = '`traceId`, `attribute:<name>`, `resource:<name>`, `regex:<pattern>`, `window` or `count`';

/** A parsed `sessions.key`: which part of an event names its session. */
export type SessionKeySpec =
  | { kind: 'traceId' }
  | { kind: 'attribute'; name: string }
  | { kind: 'resource'; name: string }
  | { kind: 'regex'; pattern: string }
  | { kind: 'window' }
  | { kind: 'count' };

/**
 * Parses the string form of `sessions.key` (`traceId`, `attribute:user.id`, `resource:k8s.pod.name`,
 * `regex:blk_-?\d+`, `window`, `count`). Returns the spec, or a message saying what is wrong and what
 * to write instead.
 */
export function parseSessionKeySpec(text: string): { spec: SessionKeySpec } | { problem: string } {
  if (text === 'traceId') return { spec: { kind: 'traceId' } };
  if (text === 'window') return { spec: { kind: 'window' } };
  if (text === 'count') return { spec: { kind: 'count' } };
  const colon = text.indexOf(':');
  const prefix = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  switch (prefix) {
    case 'attribute':
    case 'resource':
      if (rest.trim() === '') {
        return { problem: `session key "${text}" names no ${prefix}; write ${prefix}:<name>, e.g. ${prefix === 'attribute' ? 'attribute:user.id' : 'resource:k8s.pod.name'}` };
      }
      return { spec: { kind: prefix, name: rest } };
    case 'regex': {
      if (rest === '') return { problem: 'session key "regex:" has no pattern; write regex:<pattern>, e.g. regex:blk_-?\\d+' };
      let regex: RegExp;
      try {
        regex = new RegExp(rest, 'g');
      } catch (error) {
        return {
          problem: `session key "${text}" is not a valid regular expression (${(error as Error).message}); write a JavaScript pattern without slashes or flags, e.g. regex:blk_-?\\d+`,
        };
      }
      // A pattern that matches the empty string would give every line an empty key.
      if (regex.exec('') !== null) {
        return { problem: `session key "${text}" matches the empty string, so it cannot name a session; make the id part required, e.g. regex:blk_-?\\d+` };
      }
      return { spec: { kind: 'regex', pattern: rest } };
    }
    default:
      return { problem: `unknown session key "${text}"; expected ${KEY_FORMS}` };
  }
}

/** Like {@link parseSessionKeySpec} but throws {@link ConfigError} for an unusable key. */
export function sessionKeySpecOrThrow(text: string): SessionKeySpec {
  const result = parseSessionKeySpec(text);
  if ('problem' in result) throw new ConfigError(`sessions.key: ${result.problem}`);
  return result.spec;
}

const positiveMs = (): z.ZodNumber => z.number().int().positive();

/** How events are grouped into sessions and when a session closes. */
export const sessionsConfigSchema = z
  .strictObject({
    key: z
      .string()
      .superRefine((value, ctx) => {
        const result = parseSessionKeySpec(value);
        if ('problem' in result) ctx.addIssue({ code: 'custom', message: result.problem });
      })
      .default('traceId')
      .describe(
        'Session key: `traceId` (events without one are not sessionised), `attribute:<name>` (a record attribute), `resource:<name>` (a resource attribute), `regex:<pattern>` (every distinct match in the body, or its first capture group; e.g. `regex:blk_-?\\d+`), `window` (`service.name` + time window) or `count` (every `countWindow` consecutive events of a service).',
      ),
    windowMs: positiveMs()
      .default(60_000)
      .describe('Key `window`: window size in milliseconds. Windows are aligned to the Unix epoch.'),
    slideMs: positiveMs()
      .optional()
      .describe('Key `window`: distance between window starts in milliseconds; an event belongs to every window that covers it. Default: `windowMs` (tumbling windows).'),
    countWindow: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe('Key `count`: number of consecutive events of a service that form one session.'),
    idleTimeoutMs: positiveMs()
      .default(30_000)
      .describe('A session closes (reason `idle`) after this many milliseconds without an event. Does not apply to `window` sessions, which close at window end.'),
    maxEvents: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe('A session closes (reason `maxEvents`) when it holds this many events.'),
    maxDurationMs: positiveMs()
      .default(5 * 60_000)
      .describe('Longest span from the first to the latest event of a session, in milliseconds; an event past it closes the session (reason `maxDuration`) and starts a new one.'),
    timeSource: z
      .enum(['processing', 'event'])
      .default('processing')
      .describe('Clock for timeouts and windows: `processing` (arrival time, checked by a timer) or `event` (event timestamps; the clock is the largest timestamp seen minus `allowedLatenessMs`).'),
    allowedLatenessMs: z
      .number()
      .int()
      .min(0)
      .default(5_000)
      .describe('Event time only: how far behind the largest timestamp seen the watermark trails, in milliseconds. Later events join a still-open session or are dropped and counted as late.'),
    maxOpenSessions: z
      .number()
      .int()
      .min(1)
      .default(100_000)
      .describe('Most sessions open at once; past it the least recently updated session is closed early (reason `evicted`) and counted.'),
    maxKeysPerEvent: z
      .number()
      .int()
      .min(1)
      .default(16)
      .describe('Most sessions one event joins (e.g. block ids in one line, overlapping windows); further keys are ignored and such events counted.'),
    sweepIntervalMs: positiveMs()
      .default(1_000)
      .describe('How often idle and window deadlines are checked, in milliseconds of the time source.'),
  })
  .superRefine((config, ctx) => {
    if (config.key !== 'window' || config.slideMs === undefined) return;
    if (config.slideMs > config.windowMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['slideMs'],
        message: `slideMs (${config.slideMs}) is larger than windowMs (${config.windowMs}), which would leave events in no window; use slideMs <= windowMs`,
      });
      return;
    }
    const windowsPerEvent = Math.ceil(config.windowMs / config.slideMs);
    if (windowsPerEvent > config.maxKeysPerEvent) {
      ctx.addIssue({
        code: 'custom',
        path: ['slideMs'],
        message: `with windowMs ${config.windowMs} and slideMs ${config.slideMs} every event belongs to ${windowsPerEvent} windows, more than maxKeysPerEvent (${config.maxKeysPerEvent}); raise slideMs or maxKeysPerEvent`,
      });
    }
  })
  .describe('Grouping events into sessions.');

/** The `sessions` slice of the configuration, defaults filled in. */
export type SessionsConfig = z.infer<typeof sessionsConfigSchema>;
/** What may be given for the `sessions` slice: any subset of {@link SessionsConfig}. */
export type SessionsConfigInput = z.input<typeof sessionsConfigSchema>;

/**
 * Validates and completes a `sessions` slice (defaults filled in). Throws {@link ConfigError} naming
 * every bad field, e.g. `sessions.key: unknown session key "trace"; expected …`.
 */
export function parseSessionsConfig(input: SessionsConfigInput = {}): SessionsConfig {
  const result = sessionsConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.flatMap((issue) => {
    const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
    const reason = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
    return paths.map((path) => `  ${['sessions', ...path.map(String)].join('.')}: ${reason}`);
  });
  throw new ConfigError(`invalid sessions configuration:\n${lines.join('\n')}`, { cause: result.error });
}
