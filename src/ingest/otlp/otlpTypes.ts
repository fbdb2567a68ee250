import { join } from 'node:path';
import protobuf from 'protobufjs';
import { packageRoot } from '../../util/packageRoot.js';

/** protobufjs types of the OTLP logs messages, loaded once from the vendored `.proto` files. */
export interface OtlpProtoTypes {
  ExportLogsServiceRequest: protobuf.Type;
  ExportLogsServiceResponse: protobuf.Type;
}

let types: OtlpProtoTypes | undefined;

/**
 * The OTLP logs message types, from `proto/` in the package (opentelemetry-proto, vendored under
 * its Apache 2.0 licence; see `proto/README.md`). Loaded on first use.
 */
export function otlpProtoTypes(): OtlpProtoTypes {
  if (types) return types;
  const root = new protobuf.Root();
  const base = join(packageRoot(), 'proto');
  root.resolvePath = (_origin, target) => join(base, target);
  root.loadSync('opentelemetry/proto/collector/logs/v1/logs_service.proto');
  root.resolveAll();
  types = {
    ExportLogsServiceRequest: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
    ExportLogsServiceResponse: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse'),
  };
  return types;
}
