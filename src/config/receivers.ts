import { z } from 'zod';

const MIB = 1024 * 1024;

const host = (): z.ZodDefault<z.ZodString> =>
  z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('Interface to listen on. `127.0.0.1` (the default) serves only this machine; `0.0.0.0` serves every interface (a container, a replica behind a load balancer).');

const port = (defaultPort: number): z.ZodDefault<z.ZodNumber> =>
  z
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(defaultPort)
    .describe(`TCP port (default ${defaultPort}, the OTLP standard port); 0 picks a free one.`);

/** The OTLP/HTTP receiver (`POST /v1/logs`, protobuf or JSON). */
export const httpReceiverConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Serve OTLP/HTTP logs on `POST /v1/logs`.'),
    host: host(),
    port: port(4318),
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .default(4 * MIB)
      .describe('Largest request body, in bytes, both as sent and after gzip decompression; larger requests are answered 413 without being read or inflated further.'),
  })
  .describe('OTLP/HTTP receiver.');

/** The OTLP/gRPC receiver (`opentelemetry.proto.collector.logs.v1.LogsService/Export`). */
export const grpcReceiverConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Serve OTLP/gRPC logs (`LogsService/Export`).'),
    host: host(),
    port: port(4317),
    maxMessageBytes: z
      .number()
      .int()
      .min(1024)
      .default(4 * MIB)
      .describe('Largest request message, in bytes after decompression; larger ones are answered RESOURCE_EXHAUSTED by gRPC.'),
  })
  .describe('OTLP/gRPC receiver.');

/** Where collectors send logs to logtriage: the OTLP/HTTP and OTLP/gRPC receivers of `logtriage serve`. */
export const receiversConfigSchema = z
  .strictObject({
    http: httpReceiverConfigSchema.prefault({}),
    grpc: grpcReceiverConfigSchema.prefault({}),
  })
  .describe('OTLP receivers: how collectors and SDK exporters send logs to logtriage.');

/** The `receivers` slice of the configuration, defaults filled in. */
export type ReceiversConfig = z.infer<typeof receiversConfigSchema>;
/** What may be given for the `receivers` slice. */
export type ReceiversConfigInput = z.input<typeof receiversConfigSchema>;
/** One receiver's settings. */
export type HttpReceiverConfig = z.infer<typeof httpReceiverConfigSchema>;
export type GrpcReceiverConfig = z.infer<typeof grpcReceiverConfigSchema>;
