import { z } from 'zod';

/** The streaming pipeline: scoring queue, cold-start learning, incident sink. */
export const pipelineConfigSchema = z
  .strictObject({
    scoreBatchSize: z
      .number()
      .int()
      .min(1)
      .default(64)
      .describe('Closed sessions scored in one forward pass. Scoring runs between receive callbacks, so a smaller batch keeps request latency down.'),
    scoreQueueSessions: z
      .number()
      .int()
      .min(1)
      .default(50_000)
      .describe('Most closed sessions waiting to be scored. Past it the oldest are dropped from analysis (counted in `logtriage_sessions_dropped_total`); their records were already forwarded.'),
    overload: z
      .enum(['shed', 'refuse'])
      .default('shed')
      .describe('When the scoring queue is full: `shed` drops sessions from analysis (records keep flowing), `refuse` makes the receivers answer 429/RESOURCE_EXHAUSTED with Retry-After so upstream slows down.'),
    suppressionRefreshMs: z
      .number()
      .int()
      .min(100)
      .default(10_000)
      .describe('How often the false-positive allow-list (signatures reviewers marked false positive) is read from the incident store, in milliseconds.'),
    evidence: z.number().int().min(1).max(20).default(3).describe('Most surprising positions kept as evidence per flagged session.'),
    modelDir: z
      .string()
      .optional()
      .describe('Tier-1 model directory to load. Default: the active version under `<dataDir>/models` (see `logtriage model list`).'),
    templateSnapshotIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(60_000)
      .describe('How often the template miner is saved to `<dataDir>/templates.json` (and at shutdown), in milliseconds; 0 saves only at shutdown. Template ids must survive restarts: the model is keyed by them.'),
    learning: z
      .strictObject({
        enabled: z.boolean().default(true).describe('With no tier-1 model, collect closed sessions, train on them and switch to detection by itself. The sessions seen in this period are taken as normal.'),
        sessions: z.number().int().min(10).default(2_000).describe('Train once this many sessions have closed.'),
        maxMs: z
          .number()
          .int()
          .positive()
          .default(15 * 60_000)
          .describe('Train after this many milliseconds of learning even with fewer sessions, when at least `minSessions` closed.'),
        minSessions: z.number().int().min(10).default(200).describe('Fewest sessions to train on.'),
        architecture: z.enum(['lstm', 'transformer']).default('lstm').describe('Model trained in learning mode.'),
        maxTrainSeconds: z.number().positive().default(300).describe('Longest training run, in seconds; the best weights so far are kept.'),
      })
      .prefault({})
      .describe('Cold start: learning mode.'),
    incidents: z
      .strictObject({
        sink: z
          .enum(['store', 'jsonl', 'memory'])
          .default('store')
          .describe('Where flagged sessions go: `store`, the durable incident store (`store.*`: SQLite in the data directory, or PostgreSQL), which the API and the review page read; `jsonl` appends to `path`; `memory` keeps them in the process (tests, demos).'),
        path: z.string().optional().describe('With `sink: jsonl`: the JSONL file of incidents. Default `<dataDir>/incidents.jsonl`.'),
        maxRawLines: z.number().int().min(1).default(200).describe('Most raw log lines kept per incident.'),
        maxLineChars: z.number().int().min(16).default(2_000).describe('Longest raw line kept, in characters.'),
      })
      .prefault({})
      .describe('The incident sink.'),
  })
  .describe('The streaming pipeline behind the receivers and the sdk-logs processor.');

export type PipelineConfig = z.infer<typeof pipelineConfigSchema>;
export type PipelineConfigInput = z.input<typeof pipelineConfigSchema>;
