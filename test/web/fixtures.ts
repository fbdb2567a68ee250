import { signatureOf, type NewIncident, type TriageResult } from '../../src/incidents/index.js';

/** A flagged session for the review page's tests, with what tier 2 made of it (if anything). */
export interface IncidentFixture {
  /** Name the tests refer to it by. */
  key: string;
  incident: NewIncident;
  /** Tier 2's result; absent: left pending, or failed with `failedWith`. */
  triage?: TriageResult;
  failedWith?: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Lines that try to become markup: the page must show them as text. */
export const HOSTILE_LINES = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>'] as const;

function session(
  fields: Pick<NewIncident, 'sessionKey' | 'service' | 'score' | 'threshold' | 'evidence'> & { lines: string[]; templates: string[]; templateIds: string[]; at: number; traceId?: string },
): NewIncident {
  return {
    sessionKey: fields.sessionKey,
    ...(fields.service !== undefined ? { service: fields.service } : {}),
    ...(fields.traceId !== undefined ? { traceId: fields.traceId } : {}),
    firstTimestamp: fields.at - 90_000,
    lastTimestamp: fields.at - 2_000,
    detectedAt: fields.at,
    templateIds: fields.templateIds,
    templates: fields.templates,
    lines: fields.lines,
    truncatedLines: 0,
    score: fields.score,
    threshold: fields.threshold,
    evidence: fields.evidence,
    modelVersion: 'deeplog-2026-11-20',
    signature: signatureOf([fields.sessionKey, ...fields.templateIds]),
  };
}

const HDFS_TEMPLATES = {
  T1: 'Receiving block <*> src: <*> dest: <*>',
  T2: 'BLOCK* NameSystem.allocateBlock: <*> <*>',
  T3: 'PacketResponder <*> for block <*> terminating',
  T4: 'Received block <*> of size <*> from <*>',
  T5: 'BLOCK* NameSystem.addStoredBlock: blockMap updated: <*> is added to <*> size <*>',
  T6: '<*>:Got exception while serving <*> to <*>:',
  T7: 'Reported corrupt block <*> on datanode <*>',
} as const;

/**
 * The incidents of the review page's tests, newest first by `detectedAt` relative to `now`: one of
 * each triage state, a heuristic result, hostile lines, and `fillerCount` older routine ones so the
 * list has more than one page.
 */
export function reviewFixtures(now: number, fillerCount = 50): IncidentFixture[] {
  const hdfsIds = ['T1', 'T2', 'T1', 'T6', 'T7', 'T3'] as const;
  const fixtures: IncidentFixture[] = [
    {
      key: 'hdfs',
      incident: session({
        sessionKey: 'blk_-1608999687919862906',
        service: 'hdfs-datanode',
        at: now - 2 * MINUTE,
        templateIds: [...hdfsIds],
        templates: hdfsIds.map((id) => HDFS_TEMPLATES[id]),
        lines: [
          '081109 204132 26 INFO dfs.DataNode$DataXceiver: Receiving block blk_-1608999687919862906 src: /10.251.71.16:51590 dest: /10.251.71.16:50010',
          '081109 204132 26 INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: /user/root/rand/_temporary/part-00590. blk_-1608999687919862906',
          '081109 204133 143 INFO dfs.DataNode$DataXceiver: Receiving block blk_-1608999687919862906 src: /10.251.90.64:40217 dest: /10.251.90.64:50010',
          '081109 213649 1 WARN dfs.DataNode$DataXceiver: 10.251.30.101:50010:Got exception while serving blk_-1608999687919862906 to /10.251.90.64:',
          '081109 213650 19 INFO dfs.FSNamesystem: Reported corrupt block blk_-1608999687919862906 on datanode 10.251.30.101:50010',
          '081109 213702 1 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_-1608999687919862906 terminating',
        ],
        score: 9.41,
        threshold: 6.2,
        evidence: [
          {
            position: 3,
            templateId: 'T6',
            surprise: 9.41,
            expected: [
              { templateId: 'T3', probability: 0.71 },
              { templateId: 'T4', probability: 0.18 },
            ],
          },
          { position: 4, templateId: 'T7', surprise: 7.02, expected: [{ templateId: 'T5', probability: 0.64 }] },
        ],
      }),
      triage: {
        category: 'data_corruption',
        severity: 'critical',
        confidence: 0.87,
        summary: 'Corrupt replica of blk_-1608999687919862906 reported on 10.251.30.101',
        explanation:
          'The datanode failed while serving the block and the namenode then recorded it as corrupt. Normally the write pipeline ends with the packet responders terminating and the block map being updated; here the block was reported corrupt instead.',
        evidenceLines: [3, 4],
        suggestedActions: ['Run hdfs fsck on /user/root/rand to find under-replicated blocks', 'Check the disks of datanode 10.251.30.101'],
        backend: 'llamacpp:qwen2.5-1.5b+lora-v3',
      },
    },
    {
      key: 'checkout',
      incident: session({
        sessionKey: '4bf92f3577b34da6a3ce929d0e0e4736',
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        service: 'checkout',
        at: now - 5 * MINUTE,
        templateIds: ['C1', 'C2', 'C3', 'C4'],
        templates: ['POST /api/checkout cart=<*> items=<*>', 'calling payments at <*>', 'payments call timed out after <*> ms (attempt <*>)', 'responding <*> to client after <*> ms'],
        lines: [
          'POST /api/checkout cart=c-88213 items=3',
          'calling payments at http://payments.internal:8080/charge',
          'payments call timed out after 3000 ms (attempt 3)',
          'responding 504 to client after 9012 ms',
        ],
        score: 7.9,
        threshold: 6.2,
        evidence: [{ position: 2, templateId: 'C3', surprise: 7.9, expected: [{ templateId: 'C9', probability: 0.93 }] }],
      }),
      triage: {
        category: 'timeout',
        severity: 'high',
        confidence: 0.6,
        summary: 'Checkout answered 504 after three payment timeouts',
        explanation: 'Matched the rule "timed out": the payment call timed out three times.',
        evidenceLines: [2],
        suggestedActions: ['Check the latency of payments.internal'],
        backend: 'heuristic',
      },
    },
    {
      key: 'hostile',
      incident: session({
        sessionKey: 'sess-xss-1',
        service: 'web-frontend',
        at: now - 8 * MINUTE,
        templateIds: ['W1', 'W2', 'W3'],
        templates: ['GET <*> <*>', 'render error: <*>', 'GET <*> <*>'],
        lines: ['GET /login 200', ...HOSTILE_LINES],
        score: 8.3,
        threshold: 6.2,
        evidence: [{ position: 1, templateId: 'W2', surprise: 8.3, expected: [{ templateId: 'W1', probability: 0.88 }] }],
      }),
      triage: {
        category: 'permission_error',
        severity: 'medium',
        confidence: 0.55,
        summary: 'Login page rendered attacker markup <img src=x onerror=alert(2)>',
        explanation: 'A request carried markup <script>alert(3)</script> into the logs.',
        evidenceLines: [1, 2],
        suggestedActions: ['<b>Block</b> the client at the WAF'],
        backend: 'llamacpp:qwen2.5-1.5b+lora-v3',
      },
    },
    {
      key: 'deadlock',
      incident: session({
        sessionKey: 'orders-7d1c',
        service: 'orders',
        at: now - 12 * MINUTE,
        templateIds: ['D1', 'D2', 'D3'],
        templates: ['BEGIN order <*>', 'ERROR: deadlock detected (SQLSTATE 40P01) on <*>', 'ROLLBACK order <*>'],
        lines: ['BEGIN order 99812', 'ERROR: deadlock detected (SQLSTATE 40P01) on relation "order_items"', 'ROLLBACK order 99812'],
        score: 6.9,
        threshold: 6.2,
        evidence: [{ position: 1, templateId: 'D2', surprise: 6.9, expected: [{ templateId: 'D4', probability: 0.8 }] }],
      }),
      triage: {
        category: 'database_error',
        severity: 'low',
        confidence: 0.9,
        summary: 'Order transaction rolled back after a deadlock',
        explanation: 'PostgreSQL detected a deadlock on order_items and rolled the transaction back.',
        evidenceLines: [1],
        suggestedActions: ['Look for concurrent updates of order_items in the same order'],
        backend: 'llamacpp:qwen2.5-1.5b+lora-v3',
      },
    },
    {
      key: 'failed',
      incident: session({
        sessionKey: 'cron-nightly-42',
        service: 'batch-jobs',
        at: now - 20 * MINUTE,
        templateIds: ['B1', 'B2'],
        templates: ['job <*> started', 'job <*> exited with status <*>'],
        lines: ['job nightly-export started', 'job nightly-export exited with status 137'],
        score: 6.5,
        threshold: 6.2,
        evidence: [{ position: 1, templateId: 'B2', surprise: 6.5, expected: [{ templateId: 'B3', probability: 0.97 }] }],
      }),
      failedWith: 'the LLM answered invalid JSON three times',
    },
    {
      key: 'old',
      incident: session({
        sessionKey: 'api-gw-conn-3',
        service: 'api-gateway',
        at: now - 50 * HOUR,
        templateIds: ['G1', 'G2'],
        templates: ['upstream <*> connect() failed (111: Connection refused)', 'no live upstreams while connecting to <*>'],
        lines: ['upstream 10.0.3.17:9000 connect() failed (111: Connection refused)', 'no live upstreams while connecting to upstream "catalog"'],
        score: 8.8,
        threshold: 6.2,
        evidence: [{ position: 0, templateId: 'G1', surprise: 8.8, expected: [{ templateId: '<end>', probability: 0.4 }] }],
      }),
      triage: {
        category: 'connection_failure',
        severity: 'high',
        confidence: 0.8,
        summary: 'Gateway lost every catalog upstream',
        explanation: 'Connections to the catalog upstreams were refused until none was left.',
        evidenceLines: [0, 1],
        suggestedActions: ['Check the catalog deployment'],
        backend: 'llamacpp:qwen2.5-1.5b+lora-v3',
      },
    },
  ];
  for (let i = 0; i < fillerCount; i++) {
    fixtures.push({
      key: `filler-${i}`,
      incident: session({
        sessionKey: `report-${i}`,
        service: 'reports',
        at: now - 60 * HOUR - i * MINUTE,
        templateIds: ['R1', 'R2'],
        templates: ['report <*> queued', 'report <*> took <*> s'],
        lines: [`report r-${i} queued`, `report r-${i} took ${40 + i} s`],
        score: 6.3,
        threshold: 6.2,
        evidence: [{ position: 1, templateId: 'R2', surprise: 6.3, expected: [{ templateId: 'R3', probability: 0.5 }] }],
      }),
      triage: {
        category: 'resource_exhaustion',
        severity: 'low',
        confidence: 0.4,
        summary: `Report r-${i} ran slowly`,
        explanation: 'The report took longer than usual.',
        evidenceLines: [1],
        suggestedActions: [],
        backend: 'heuristic',
      },
    });
  }
  return fixtures;
}

/** The incident left pending by the fixtures; added after the others are triaged so it stays unclaimed. */
export function pendingFixture(now: number): IncidentFixture {
  return {
    key: 'pending',
    incident: session({
      sessionKey: 'pay-5521',
      service: 'payments',
      at: now - MINUTE,
      templateIds: ['P1', 'P2'],
      templates: ['charge <*> accepted', 'ledger write for <*> failed: <*>'],
      lines: ['charge ch_5521 accepted', 'ledger write for ch_5521 failed: connection reset by peer'],
      score: 7.1,
      threshold: 6.2,
      evidence: [{ position: 1, templateId: 'P2', surprise: 7.1, expected: [{ templateId: 'P3', probability: 0.9 }] }],
    }),
  };
}
