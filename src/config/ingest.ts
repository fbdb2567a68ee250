import { z } from 'zod';

/** How files and streams are read into `LogEvent`s. */
export const ingestConfigSchema = z
  .strictObject({
    maxLineBytes: z
      .number()
      .int()
      .min(256)
      .default(64 * 1024)
      .describe('Longest line kept, in bytes; longer lines are cut to this size and counted as truncated.'),
    format: z
      .string()
      .default('raw')
      .describe(
        'How a line is split into header fields and message: `raw` (the whole line is the message), `json` (JSON lines), a preset name (e.g. `HDFS`), a format string such as `<Date> <Time> <Level> <Component>: <Content>`, or `regex:<pattern with named groups>`.',
      ),
  })
  .describe('Reading log files and streams.');

export type IngestConfig = z.infer<typeof ingestConfigSchema>;
