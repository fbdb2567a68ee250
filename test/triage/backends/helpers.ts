import { Writable } from 'node:stream';
import { createLogger } from '../../../src/util/logger.js';
import { TokenBias, type LlamaModel, type Token } from 'node-llama-cpp';
import { triageConfigSchema, type TriageConfig, type TriageConfigInput } from '../../../src/config/triage.js';
import { signatureOf, type NewIncident, type StoredIncident } from '../../../src/incidents/index.js';
import { tinyVocabulary } from '../../../src/triage/gguf/index.js';

/** Real log lines of an HDFS block session that went wrong (a data node reset the connection), with their templates. */
export const HDFS_SESSION = [
  ['E5', 'Receiving block <*> src: /<*> dest: /<*>', 'Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010'],
  ['E5', 'Receiving block <*> src: /<*> dest: /<*>', 'Receiving block blk_-1608999687919862906 src: /10.250.10.6:40524 dest: /10.250.10.6:50010'],
  ['E6', 'Exception in receiveBlock for block <*> <*>', 'Exception in receiveBlock for block blk_-1608999687919862906 java.io.IOException: Connection reset by peer'],
  ['E7', 'writeBlock <*> received exception <*>', 'writeBlock blk_-1608999687919862906 received exception java.io.IOException: Connection reset by peer'],
  ['E11', 'PacketResponder <*> for block <*> terminating', 'PacketResponder 2 for block blk_-1608999687919862906 terminating'],
] as const;

/** A flagged session as the pipeline records it; `variant` changes the session key, the time and, with `shape`, the template sequence. */
export function newIncident(variant: number, shape: readonly (readonly [string, string, string])[] = HDFS_SESSION): NewIncident {
  const templateIds = shape.map((row) => row[0]);
  const detectedAt = 1_740_000_000_000 + variant * 1_000;
  return {
    sessionKey: `blk_${variant}`,
    service: 'hdfs-datanode',
    firstTimestamp: detectedAt - 5_000,
    lastTimestamp: detectedAt - 1_000,
    detectedAt,
    templateIds,
    templates: shape.map((row) => row[1]),
    lines: shape.map((row) => row[2]),
    truncatedLines: 0,
    score: 11.2,
    threshold: 6.5,
    evidence: [{ position: 2, templateId: 'E6', surprise: 9.1, expected: [{ templateId: 'E11', probability: 0.92 }] }],
    modelVersion: 'v-test',
    signature: signatureOf(templateIds),
  };
}

/** The same incident as the store returns it after a claim. */
export function storedIncident(variant = 1, overrides: Partial<StoredIncident> = {}): StoredIncident {
  const incident = newIncident(variant);
  return {
    ...incident,
    id: `inc_test${variant}`,
    occurrences: 1,
    lastDetectedAt: incident.detectedAt,
    triage: { status: 'pending', attempts: 1 },
    review: { state: 'unreviewed', corrections: {} },
    updatedAt: incident.detectedAt,
    ...overrides,
  };
}

/** The `triage` config slice with test overrides (defaults filled in). */
export function triageConfig(input: TriageConfigInput = {}): TriageConfig {
  return triageConfigSchema.parse(input);
}

/**
 * Token biases that make the tiny random model answer short, valid JSON: no byte tokens of 0x80 and
 * above (its strings would decode to U+FFFD, which the output check refuses), no backslash (escapes
 * such as \n or \u0001 would make a summary two lines or a control character), and closing quotes
 * strongly favoured, so that strings end after a character or two instead of running to maxTokens.
 * Measured: the answer then takes about 200 tokens and passes parseTriageOutput.
 */
export function tinyAnswerBias(model: LlamaModel): TokenBias {
  const bias = new TokenBias(model.tokenizer);
  const vocabulary = tinyVocabulary();
  for (let byte = 0x80; byte <= 0xff; byte++) bias.set(vocabulary.tokens.indexOf(`<0x${byte.toString(16).toUpperCase()}>`) as Token, 'never');
  for (const token of model.tokenize('\\')) bias.set(token, 'never');
  for (const token of model.tokenize('"')) bias.set(token, { logit: 8 });
  return bias;
}

/** A pino logger at `level` whose JSON lines are collected, for asserting on what was logged. */
export function capture(level: string): { logger: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    logger: createLogger({ level, destination }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
