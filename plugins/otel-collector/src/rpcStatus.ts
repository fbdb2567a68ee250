import protobuf from 'protobufjs';

/**
 * `google.rpc.Status` and `google.rpc.RetryInfo`, the error details OTLP answers carry (the body of
 * an OTLP/HTTP 4xx/5xx answer; the `grpc-status-details-bin` trailer of a gRPC error). Defined
 * here from their few fields rather than vendoring googleapis.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
            Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
          },
        },
        rpc: {
          nested: {
            Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 }, details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 } } },
            RetryInfo: { fields: { retry_delay: { type: 'google.protobuf.Duration', id: 1 } } },
          },
        },
      },
    },
  },
});
const StatusType = root.lookupType('google.rpc.Status');
const RetryInfoType = root.lookupType('google.rpc.RetryInfo');

/** Type URL of a `google.rpc.RetryInfo` detail. */
export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/** gRPC status codes used in OTLP answers (numbers as in `google.rpc.Code`). */
export const RpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
} as const;

/** A decoded `google.rpc.Status`, with its RetryInfo delay when it had one. */
export interface RpcStatus {
  code: number;
  message: string;
  /** `RetryInfo.retry_delay`, in milliseconds. */
  retryDelayMs?: number;
}

/** Encodes a `google.rpc.Status`, with a `RetryInfo` detail when `retryDelaySeconds` is given. */
export function encodeRpcStatus(code: number, message: string, retryDelaySeconds?: number): Uint8Array {
  const details =
    retryDelaySeconds === undefined
      ? []
      : [{ type_url: RETRY_INFO_TYPE_URL, value: RetryInfoType.encode(RetryInfoType.create({ retry_delay: { seconds: Math.max(0, Math.ceil(retryDelaySeconds)), nanos: 0 } })).finish() }];
  return StatusType.encode(StatusType.create({ code, message, details })).finish();
}

/** Decodes a `google.rpc.Status` (e.g. an error body or trailer); undefined when it is not one. */
export function decodeRpcStatus(bytes: Uint8Array): RpcStatus | undefined {
  try {
    const status = StatusType.toObject(StatusType.decode(bytes), { longs: Number, defaults: true }) as {
      code: number;
      message: string;
      details?: { type_url?: string; value?: Uint8Array }[];
    };
    const result: RpcStatus = { code: status.code, message: status.message };
    for (const detail of status.details ?? []) {
      if (detail.type_url !== RETRY_INFO_TYPE_URL || !detail.value) continue;
      const info = RetryInfoType.toObject(RetryInfoType.decode(detail.value), { longs: Number, defaults: true }) as { retry_delay?: { seconds: number; nanos: number } };
      if (info.retry_delay) result.retryDelayMs = info.retry_delay.seconds * 1000 + Math.round(info.retry_delay.nanos / 1e6);
    }
    return result;
  } catch {
    return undefined;
  }
}
