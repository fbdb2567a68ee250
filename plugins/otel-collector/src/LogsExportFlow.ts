import { logEventsOf, setRecordAttributes, type OtlpLogsRequest, type OtlpPartialSuccess } from '../../../src/ingest/otlp/index.js';
import { TEMPLATE_ATTRIBUTE, TEMPLATE_ID_ATTRIBUTE, type AnnotatedEvent, type Backpressure, type EventPipeline } from '../../../src/pipeline/types.js';
import { silentLogger, type Logger } from '../../../src/util/logger.js';
import { NoopForwarder, type LogForwarder } from './OtlpForwarder.js';

/** Options of {@link LogsExportFlow}. */
export interface LogsExportFlowOptions {
  /** Mines, sessionises and scores the records. Required. */
  pipeline: EventPipeline;
  /** Where annotated records go. Default {@link NoopForwarder}: nothing is forwarded and requests are acknowledged once annotated. */
  forwarder?: LogForwarder;
  /** Longest body text handed to the miner, characters; the forwarded record keeps all of it. Default 16,384. */
  maxBodyChars?: number;
  /** Deepest `AnyValue` nesting accepted in a body or attribute; deeper records are rejected (partial success). Default 16. */
  maxDepth?: number;
  /** Default: silent. */
  logger?: Logger;
}

/** What the receiver answers for one export request. */
export type ExportOutcome =
  | {
      /** Acknowledge (200 / OK), with `partialSuccess` when records were rejected here or downstream. */
      kind: 'ok';
      accepted: number;
      rejected: number;
      partialSuccess?: OtlpPartialSuccess;
    }
  | {
      /** Refuse retryably: 429 / RESOURCE_EXHAUSTED when `overloaded`, else 503 / UNAVAILABLE; nothing was ingested. */
      kind: 'retry';
      overloaded: boolean;
      retryAfterSeconds: number;
      message: string;
      records: number;
    }
  | {
      /** Downstream refused the records for good; answer 500 / INTERNAL with its message (not retried, per OTLP). */
      kind: 'failed';
      message: string;
      records: number;
    };

const WARN_INTERVAL_MS = 10_000;

/**
 * The flow of one OTLP export request, shared by the HTTP and gRPC receivers: validate the
 * records, annotate each with its template, forward the request, and hand the events to the
 * pipeline only once downstream has accepted them, so a request the client retries is not
 * sessionised twice.
 */
export class LogsExportFlow {
  private readonly pipeline: EventPipeline;
  private readonly forwarder: LogForwarder;
  private readonly eventOptions: { maxBodyChars: number; maxDepth: number };
  private readonly logger: Logger;
  private lastWarn = 0;

  constructor(options: LogsExportFlowOptions) {
    this.pipeline = options.pipeline;
    this.forwarder = options.forwarder ?? new NoopForwarder();
    this.eventOptions = { maxBodyChars: options.maxBodyChars ?? 16_384, maxDepth: options.maxDepth ?? 16 };
    this.logger = options.logger ?? silentLogger();
  }

  /** The pipeline's backpressure, checked before a request is decoded. Never throws. */
  backpressure(): Backpressure | undefined {
    try {
      return this.pipeline.backpressure();
    } catch (error) {
      this.warn('pipeline.backpressure() threw; treating it as no backpressure', error);
      return undefined;
    }
  }

  /** Runs a decoded request through the flow. The request is changed in place (rejected records removed, annotations added). Never rejects. */
  async export(request: OtlpLogsRequest): Promise<ExportOutcome> {
    const { records, events, rejected, reasons } = logEventsOf(request, this.eventOptions);
    const n = records.length;
    const local = rejected > 0 ? { rejectedLogRecords: rejected, errorMessage: `${rejected} invalid log record(s) rejected: ${reasons.join('; ')}` } : undefined;
    if (n === 0) return local ? { kind: 'ok', accepted: 0, rejected, partialSuccess: local } : { kind: 'ok', accepted: 0, rejected: 0 };

    const annotated: AnnotatedEvent[] = new Array<AnnotatedEvent>(n);
    let unannotated = 0;
    for (let i = 0; i < n; i++) {
      const event = events[i]!;
      try {
        const { templateId, template } = this.pipeline.annotate(event);
        setRecordAttributes(records[i]!, { [TEMPLATE_ID_ATTRIBUTE]: templateId, [TEMPLATE_ATTRIBUTE]: template });
        annotated[i - unannotated] = { event, templateId };
      } catch (error) {
        // The contract says annotate never throws; if it does, the record still goes downstream
        // (unannotated) and only its analysis is lost.
        unannotated++;
        this.warn('pipeline.annotate() threw; the record is forwarded without a template', error);
      }
    }
    if (unannotated > 0) annotated.length = n - unannotated;

    const result = await this.forwarder.send(request);
    if (!result.ok && result.retryable) {
      return { kind: 'retry', overloaded: result.overloaded, retryAfterSeconds: result.retryAfterSeconds, message: result.message, records: n };
    }
    // Delivered, or refused downstream for good: either way the client will not send these again.
    try {
      this.pipeline.ingest(annotated);
    } catch (error) {
      this.warn('pipeline.ingest() threw; these events are not sessionised', error);
    }
    if (!result.ok) return { kind: 'failed', message: `downstream refused the records: ${result.message}`, records: n };
    const partial = mergePartial(local, result.partialSuccess);
    const totalRejected = partial?.rejectedLogRecords ?? 0;
    return partial ? { kind: 'ok', accepted: n + rejected - totalRejected, rejected: totalRejected, partialSuccess: partial } : { kind: 'ok', accepted: n, rejected: 0 };
  }

  private warn(message: string, error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarn < WARN_INTERVAL_MS) return;
    this.lastWarn = now;
    this.logger.warn({ err: error }, message);
  }
}

function mergePartial(local: OtlpPartialSuccess | undefined, downstream: OtlpPartialSuccess | undefined): OtlpPartialSuccess | undefined {
  if (!downstream) return local;
  const fromDownstream = { rejectedLogRecords: downstream.rejectedLogRecords, errorMessage: downstream.errorMessage === '' ? '' : `downstream: ${downstream.errorMessage}` };
  if (!local) return fromDownstream;
  return {
    rejectedLogRecords: local.rejectedLogRecords + fromDownstream.rejectedLogRecords,
    errorMessage: [local.errorMessage, fromDownstream.errorMessage].filter((m) => m !== '').join('; '),
  };
}
