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
        'How a line is split into header fields and message: `raw` (the whole line is the message), `json` (JSON lines), a Loghub preset name, any case (Apache, BGL, HDFS, HPC, Hadoop, HealthApp, Linux, OpenStack, Proxifier, Spark, Windows, Zookeeper), a logparser format string such as `<Date> <Time> <Level> <Component>: <Content>` (text between fields is regex source), or `regex:<pattern with named groups, one named content>`.',
      ),
  })
  .describe('Reading log files and streams.');

export type IngestConfig = z.infer<typeof ingestConfigSchema>;
