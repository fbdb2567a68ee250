import { Command, InvalidArgumentError } from 'commander';
import { LogtriageService } from '../serve/LogtriageService.js';
import { configFor, loggerFor } from '../context.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a TCP port, 0–65535');
  return n;
}

/**
 * `logtriage serve`: the service. OTLP receivers (HTTP on 4318 with `/metrics`, `/healthz`,
 * `/readyz`; gRPC on 4317), forwarding to `forward.endpoint`, tier-1 scoring with the active model
 * or learning mode, incidents in the data directory. SIGINT/SIGTERM stop it cleanly; a second
 * signal exits at once.
 */
export function serveCommand(): Command {
  return new Command('serve')
    .description('run the service: OTLP/HTTP and OTLP/gRPC receivers, template annotation and forwarding, session scoring, incidents')
    .option('--host <address>', 'interface for both receivers (default 127.0.0.1: this machine only)')
    .option('--http-port <port>', 'OTLP/HTTP port (default 4318; 0 picks a free one)', port)
    .option('--grpc-port <port>', 'OTLP/gRPC port (default 4317; 0 picks a free one)', port)
    .option('--api-port <port>', 'port of the explanation API and review page (default 8318; 0 picks a free one)', port)
    .option('--forward <url>', 'downstream OTLP endpoint for the annotated records, e.g. http://127.0.0.1:4319 (default: none, records end here)')
    .action(async (options: { host?: string; httpPort?: number; grpcPort?: number; apiPort?: number; forward?: string }, cmd: Command) => {
      const http = { ...(options.host ? { host: options.host } : {}), ...(options.httpPort !== undefined ? { port: options.httpPort } : {}) };
      const grpc = { ...(options.host ? { host: options.host } : {}), ...(options.grpcPort !== undefined ? { port: options.grpcPort } : {}) };
      const api = { ...(options.host ? { host: options.host } : {}), ...(options.apiPort !== undefined ? { port: options.apiPort } : {}) };
      const config = configFor(cmd, { receivers: { http, grpc }, api, ...(options.forward ? { forward: { endpoint: options.forward } } : {}) });
      const logger = loggerFor(config);
      const service = new LogtriageService(config, { logger });
      let signals = 0;
      const stop = (signal: string): void => {
        signals++;
        if (signals > 1) {
          logger.warn({ signal }, 'second signal: exiting without a clean shutdown');
          process.exit(130);
        }
        logger.info({ signal }, 'stopping (send the signal again to exit at once)');
        service.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      const addresses = await service.start();
      const status = service.pipeline.status();
      const lines = [
        addresses.http ? `OTLP/HTTP  ${addresses.http}/v1/logs   (metrics ${addresses.http}/metrics, health /healthz, readiness /readyz)` : 'OTLP/HTTP  off',
        addresses.grpc ? `OTLP/gRPC  ${addresses.grpc}` : 'OTLP/gRPC  off',
        addresses.api ? `review     ${addresses.api}/   (API ${addresses.api}/api, OpenAPI ${addresses.api}/api/openapi.json)` : 'review     off (the API needs pipeline.incidents.sink: store)',
        `tier 2     ${addresses.triage ? `${addresses.triage}${addresses.triage === 'heuristic' ? ' (no LLM configured: set triage.modelPath or triage.openai.baseUrl)' : ''}` : 'off'}`,
        `forward    ${config.forward.endpoint ? `${config.forward.endpoint} (${config.forward.protocol})` : 'none: records end here'}`,
        `tier 1     ${status.mode}${status.modelVersion ? ` (model ${status.modelVersion}, threshold ${status.threshold?.toFixed(3)})` : ''}${status.detail ? `: ${status.detail}` : ''}`,
      ];
      process.stderr.write(`logtriage serve\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
    });
}
