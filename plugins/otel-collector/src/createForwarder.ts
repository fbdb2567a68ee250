import type { Registry } from 'prom-client';
import type { ForwardConfig } from '../../../src/config/forward.js';
import type { Logger } from '../../../src/util/logger.js';
import { NoopForwarder, OtlpGrpcForwarder, OtlpHttpForwarder, type LogForwarder } from './OtlpForwarder.js';

/** Options of {@link createForwarder} besides the config slice. */
export interface CreateForwarderOptions {
  /** Where the `logtriage_forward_*` metrics go. Default: a private registry. */
  registry?: Registry;
  /** Default: silent. */
  logger?: Logger;
}

/**
 * The forwarder the `forward` config slice describes: {@link OtlpHttpForwarder} or
 * {@link OtlpGrpcForwarder} for `endpoint`, or, without an endpoint, a {@link NoopForwarder}: the
 * receivers then acknowledge each request once its records are annotated, since nothing goes
 * downstream (logtriage is the end of the pipeline).
 */
export function createForwarder(config: ForwardConfig, options: CreateForwarderOptions = {}): LogForwarder {
  if (config.endpoint === undefined) return new NoopForwarder();
  const common = {
    endpoint: config.endpoint,
    headers: config.headers,
    compression: config.compression,
    timeoutMs: config.timeoutMs,
    maxInFlightBytes: config.maxInFlightBytes,
    retry: config.retry,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  return config.protocol === 'grpc' ? new OtlpGrpcForwarder(common) : new OtlpHttpForwarder(common);
}
