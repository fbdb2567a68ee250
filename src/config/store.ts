import { z } from 'zod';

/** The durable incident store. */
export const storeConfigSchema = z
  .strictObject({
    kind: z
      .enum(['sqlite', 'postgres'])
      .default('sqlite')
      .describe('`sqlite`: one file in the data directory (embedded, WAL), for one process. `postgres`: a PostgreSQL database shared by several replicas and triage workers.'),
    sqlitePath: z.string().optional().describe('SQLite database file. Default `<dataDir>/logtriage.db`.'),
    postgresUrl: z
      .string()
      .optional()
      .describe('PostgreSQL connection string, e.g. `postgres://logtriage@db:5432/logtriage`. Required with `kind: postgres`.'),
    poolSize: z.number().int().min(1).max(100).default(10).describe('PostgreSQL connections per process.'),
  })
  .superRefine((config, ctx) => {
    if (config.kind === 'postgres' && !config.postgresUrl) {
      ctx.addIssue({ code: 'custom', path: ['postgresUrl'], message: 'store.kind is postgres but store.postgresUrl is not set; give a connection string such as postgres://user@host:5432/db' });
    }
  })
  .describe('Where incidents, reviews, the audit log and API tokens are kept.');

export type StoreConfig = z.infer<typeof storeConfigSchema>;

/** The explanation API and review page. */
export const apiConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Serve the explanation API and the review page.'),
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe('Interface to listen on. Without any API token (`logtriage tokens create`) the service refuses to listen on anything but loopback.'),
    port: z.number().int().min(0).max(65535).default(8318).describe('TCP port of the API and the review page; 0 picks a free one.'),
    maxBodyBytes: z.number().int().min(1024).default(64 * 1024).describe('Largest JSON request body, in bytes.'),
  })
  .describe('The explanation API (`/api/…`) and the review page (`/`).');

export type ApiConfig = z.infer<typeof apiConfigSchema>;
