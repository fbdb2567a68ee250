import { z } from 'zod';
import { ConfigError } from '../util/errors.js';
import { MAX_SERVICES, MIN_SERVICES, SERVICE_NAMES } from './topology.js';
import { ANOMALY_CATEGORIES } from './types.js';

/** Schema of {@link SyntheticOptions}: every field has a default and a description. */
export const syntheticOptionsSchema = z
  .strictObject({
    seed: z.number().int().min(0).max(0xffffffff).default(42).describe('Seed of the generator: the same seed gives byte-identical output.'),
    count: z.number().int().min(1).max(1_000_000).default(1000).describe('Number of sequences (requests) to generate.'),
    services: z
      .union([z.number().int().min(MIN_SERVICES).max(MAX_SERVICES), z.array(z.enum(SERVICE_NAMES)).min(MIN_SERVICES - 1).max(MAX_SERVICES)])
      .default(8)
      .describe(`Services in the topology: a count (${MIN_SERVICES}–${MAX_SERVICES}, the first N of SERVICE_NAMES) or an explicit list (api-gateway is always added).`),
    anomalyRatio: z.number().min(0).max(1).default(0.1).describe('Share of sequences with an injected failure, split evenly across `categories`.'),
    controlRatio: z.number().min(0).max(1).default(0.05).describe('Share of sequences that are clean controls: normal, with benign alarming-sounding lines.'),
    categories: z.array(z.enum(ANOMALY_CATEGORIES)).min(1).default([...ANOMALY_CATEGORIES]).describe('Anomaly categories to inject.'),
    language: z.enum(['en', 'zh', 'mixed']).default('en').describe('Message language: English, Chinese, or mixed (see `mixedBy`).'),
    mixedBy: z.enum(['service', 'sequence']).default('service').describe('With `language: mixed`: each service keeps one language, or each sequence picks one.'),
    startTime: z
      .union([z.number().nonnegative(), z.iso.datetime({ offset: true })])
      .default('2025-03-03T09:00:00.000Z')
      .describe('Time of the first request: epoch milliseconds or an ISO 8601 string.'),
    requestIntervalMs: z.number().positive().default(250).describe('Mean gap between the starts of consecutive requests, in milliseconds (exponential gaps).'),
  })
  .refine((o) => o.anomalyRatio + o.controlRatio <= 1, { message: 'anomalyRatio + controlRatio must not exceed 1', path: ['controlRatio'] });

/** Options of `generateSequences`; see {@link syntheticOptionsSchema} for the defaults. */
export type SyntheticOptions = z.input<typeof syntheticOptionsSchema>;

/** Options with every default filled in and `startTime` as epoch milliseconds. */
export type ResolvedSyntheticOptions = Omit<z.output<typeof syntheticOptionsSchema>, 'startTime'> & { startTime: number };

/** Validates options and fills in defaults; throws `ConfigError` naming each bad field. */
export function resolveSyntheticOptions(options: SyntheticOptions = {}): ResolvedSyntheticOptions {
  const parsed = syntheticOptionsSchema.safeParse(options);
  if (!parsed.success) throw new ConfigError(`invalid synthetic options:\n${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  const { startTime, ...rest } = parsed.data;
  return { ...rest, startTime: typeof startTime === 'number' ? startTime : Date.parse(startTime) };
}
