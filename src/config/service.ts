import { z } from 'zod';

/** Process-wide settings of the service and the CLI. */
export const serviceConfigSchema = z
  .strictObject({
    dataDir: z
      .string()
      .default('.logtriage')
      .describe('Directory for the template snapshot, models and the embedded database. Created when missing.'),
    logLevel: z
      .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
      .default('info')
      .describe('Level of the structured (pino) log written to standard error.'),
  })
  .describe('The process: data directory and logging.');

export type ServiceConfig = z.infer<typeof serviceConfigSchema>;
