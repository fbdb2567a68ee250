import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../util/errors.js';
import { tf } from './backend.js';
import { calibrationSplit, percentileThreshold } from './calibrate.js';
import { buildLstm, type LstmConfig } from './lstm.js';
import { buildTransformer, type TransformerConfig } from './transformer.js';
import { LruCache } from './LruCache.js';
import { scorePositions, sessionScore, UNSEEN_SURPRISE, type PositionScores, type ScoreOptions, type SessionScoreStrategy } from './score.js';
import { trainModel, type TrainOptions, type TrainReport } from './train.js';
import { BOS, EOS, PAD, UNK, Vocabulary } from './Vocabulary.js';

/** Version of the model directory layout written by {@link SequenceScorer.save}. */
export const MODEL_FORMAT_VERSION = 1;

/** Options of {@link SequenceScorer.train}. */
export interface ScorerTrainOptions extends TrainOptions {
  /** `lstm` (DeepLog-style, default) or `transformer` (small causal Transformer). */
  architecture?: 'lstm' | 'transformer';
  lstm?: Partial<LstmConfig>;
  transformer?: Partial<TransformerConfig>;
  /** Share of the normal sessions held out of training to calibrate the threshold. Default 0.2. */
  calibrationShare?: number;
  /** Percentile of the held-out normal scores used as threshold. Default 0.998. */
  percentile?: number;
  strategy?: SessionScoreStrategy;
  /** Identical sessions cached. Default 100,000. */
  cacheSize?: number;
}

/** One surprising position of a session, with what the model expected there. */
export interface Evidence {
  /** Index in the session; `session.length` is its end. */
  position: number;
  /** The template id that occurred (`<end>` for the end of the session). */
  actual: string;
  surprise: number;
  rank: number;
  /** The events the model found most likely there, with their probabilities. */
  expected: { templateId: string; probability: number }[];
  /** True when the template was never seen in training. */
  unseen: boolean;
}

/** The verdict on one session. */
export interface SessionVerdict {
  score: number;
  anomalous: boolean;
  /** Per-position surprise and rank; the last position is the end of the session. */
  positions: PositionScores;
}

/** Position scores with unseen-template positions dropped. */
function withoutUnseen(positions: PositionScores): PositionScores {
  const keep = [...positions.surprise.keys()].filter((i) => positions.surprise[i]! < UNSEEN_SURPRISE);
  return { surprise: Float32Array.from(keep, (i) => positions.surprise[i]!), rank: Int32Array.from(keep, (i) => positions.rank[i]!) };
}

const metaSchema = z.object({
  format: z.literal('logtriage.tier1'),
  version: z.literal(MODEL_FORMAT_VERSION),
  architecture: z.enum(['lstm', 'transformer']),
  lstm: z.object({ embedding: z.number().int().positive(), hidden: z.number().int().positive(), layers: z.number().int().positive() }).optional(),
  transformer: z.object({ width: z.number().int().positive(), heads: z.number().int().positive(), layers: z.number().int().positive() }).optional(),
  threshold: z.number(),
  percentile: z.number(),
  strategy: z.enum(['max', 'mean', 'topg']),
  vocabularySize: z.number().int().positive(),
  createdAt: z.string(),
  training: z.unknown(),
});

type Meta = z.infer<typeof metaSchema>;

/**
 * Tier 1: a next-event model over template ids with a calibrated threshold. Scores every
 * position of a session in one pass, flags a session whose worst event (by default) is more
 * surprising than `threshold`, and scores identical sessions once.
 */
export class SequenceScorer {
  private readonly cache: LruCache<string, { score: number; positions: PositionScores }>;

  private constructor(
    readonly model: tf.LayersModel,
    readonly vocabulary: Vocabulary,
    readonly meta: Meta,
    cacheSize: number,
  ) {
    this.cache = new LruCache(cacheSize);
  }

  get threshold(): number {
    return this.meta.threshold;
  }

  /** Trains on normal sessions (template ids), holding some out to calibrate the threshold. */
  static async train(normalSessions: readonly (readonly string[])[], options: ScorerTrainOptions = {}): Promise<{ scorer: SequenceScorer; report: TrainReport }> {
    if (normalSessions.length < 10) throw new InputError(`training needs at least 10 normal sessions, got ${normalSessions.length}`);
    const seed = options.seed ?? 42;
    const { fit, calibration } = calibrationSplit(normalSessions, options.calibrationShare ?? 0.2, seed);
    const vocabulary = Vocabulary.fromSessions(fit);
    const architecture = options.architecture ?? 'lstm';
    const lstm: LstmConfig = { embedding: 16, hidden: 32, layers: 2, ...options.lstm };
    const transformer: TransformerConfig = { width: 32, heads: 4, layers: 2, ...options.transformer };
    const model = architecture === 'lstm' ? buildLstm(vocabulary.size, lstm, seed) : buildTransformer(vocabulary.size, transformer, seed);
    const report = await trainModel(model, fit.map((s) => vocabulary.encode(s)), vocabulary.size, options);
    const strategy = options.strategy ?? 'max';
    const percentile = options.percentile ?? 0.998;
    const meta: Meta = {
      format: 'logtriage.tier1',
      version: MODEL_FORMAT_VERSION,
      architecture,
      ...(architecture === 'lstm' ? { lstm } : { transformer }),
      threshold: 0,
      percentile,
      strategy,
      vocabularySize: vocabulary.size,
      createdAt: new Date().toISOString(),
      training: report,
    };
    const scorer = new SequenceScorer(model, vocabulary, meta, options.cacheSize ?? 100_000);
    // Calibrate on known events only: a template that only the calibration split has is rare, not
    // a measure of normal surprise, and counting it would lift the threshold to the unseen score
    // itself, so that sessions with unseen templates were no longer flagged.
    const calibrationScores = scorer.scoreUncached(calibration).map((v) => sessionScore(withoutUnseen(v.positions), strategy));
    meta.threshold = Math.min(percentileThreshold(calibrationScores, percentile), UNSEEN_SURPRISE - 1);
    return { scorer, report };
  }

  /** Scores sessions of template ids; identical sessions come from the cache. */
  score(sessions: readonly (readonly string[])[], options: ScoreOptions = {}): SessionVerdict[] {
    const keys = sessions.map((s) => s.join('\u0001'));
    const results = new Array<SessionVerdict | undefined>(sessions.length);
    const missing: number[] = [];
    const firstOfKey = new Map<string, number>();
    keys.forEach((key, i) => {
      const cached = this.cache.get(key);
      if (cached) results[i] = { ...cached, anomalous: cached.score > this.threshold };
      else if (!firstOfKey.has(key)) {
        firstOfKey.set(key, i);
        missing.push(i);
      }
    });
    const fresh = this.scoreUncached(missing.map((i) => sessions[i]!), options);
    missing.forEach((i, k) => {
      results[i] = fresh[k]!;
      this.cache.set(keys[i]!, { score: fresh[k]!.score, positions: fresh[k]!.positions });
    });
    keys.forEach((key, i) => {
      if (!results[i]) results[i] = results[firstOfKey.get(key)!];
    });
    return results as SessionVerdict[];
  }

  /** Scores without the cache or de-duplication (for measuring). */
  scoreUncached(sessions: readonly (readonly string[])[], options: ScoreOptions = {}): SessionVerdict[] {
    const encoded = sessions.map((s) => this.vocabulary.encode(s));
    return scorePositions(this.model, encoded, this.vocabulary.size, options).map((positions) => {
      const score = sessionScore(positions, this.meta.strategy);
      return { score, anomalous: score > this.meta.threshold, positions };
    });
  }

  /**
   * The `top` most surprising positions of a session (most surprising first), each with the
   * `expected` events the model found most likely there: what an SRE reads to see why a session
   * was flagged.
   */
  explain(session: readonly string[], top = 3, expected = 3): Evidence[] {
    const encoded = this.vocabulary.encode(session);
    const inputs = [BOS, ...encoded];
    const probabilities = tf.tidy(() => {
      const logits = this.model.predict(tf.oneHot(tf.tensor2d(inputs, [1, inputs.length], 'int32'), this.vocabulary.size).toFloat()) as tf.Tensor3D;
      return tf.softmax(logits);
    });
    const rows = (probabilities.arraySync() as number[][][])[0]!;
    probabilities.dispose();
    const positions = scorePositions(this.model, [encoded], this.vocabulary.size)[0]!;
    const order = [...positions.surprise.keys()].sort((a, b) => positions.surprise[b]! - positions.surprise[a]!).slice(0, top);
    return order.map((position) => {
      const actualIndex = position < encoded.length ? encoded[position]! : EOS;
      const likely = rows[position]!
        .map((p, index) => ({ index, p }))
        .filter((e) => e.index !== PAD && e.index !== UNK && e.index !== BOS)
        .sort((a, b) => b.p - a.p)
        .slice(0, expected);
      return {
        position,
        actual: position < session.length ? session[position]! : this.vocabulary.decode(EOS),
        surprise: positions.surprise[position]!,
        rank: positions.rank[position]!,
        expected: likely.map((e) => ({ templateId: this.vocabulary.decode(e.index), probability: e.p })),
        unseen: actualIndex === UNK,
      };
    });
  }

  /** Cache counters. */
  get cacheStats(): { size: number; hits: number; misses: number } {
    return { size: this.cache.size, hits: this.cache.hits, misses: this.cache.misses };
  }

  /** Writes the model directory: weights, vocabulary, threshold and training report. */
  async save(dir: string): Promise<void> {
    const temporary = `${dir}.tmp-${process.pid}`;
    rmSync(temporary, { recursive: true, force: true });
    mkdirSync(temporary, { recursive: true });
    await this.model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        writeFileSync(join(temporary, 'model.json'), JSON.stringify({ modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs }));
        writeFileSync(join(temporary, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    writeFileSync(join(temporary, 'vocabulary.json'), JSON.stringify(this.vocabulary));
    writeFileSync(join(temporary, 'meta.json'), JSON.stringify(this.meta, null, 2));
    rmSync(dir, { recursive: true, force: true });
    renameSync(temporary, dir);
  }

  /** Reads a model directory; a missing, corrupt or inconsistent one is an {@link InputError}. */
  static async load(dir: string, options: { cacheSize?: number } = {}): Promise<SequenceScorer> {
    const read = (name: string): string => {
      try {
        return readFileSync(join(dir, name), 'utf8');
      } catch (error) {
        throw new InputError(`model directory ${dir}: cannot read ${name} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); train a model with \`logtriage train\``, { cause: error });
      }
    };
    let meta: Meta;
    let vocabulary: Vocabulary;
    let topology: { modelTopology: unknown; weightSpecs: tf.io.WeightsManifestEntry[] };
    try {
      meta = metaSchema.parse(JSON.parse(read('meta.json')));
      const vocab = z.object({ templateIds: z.array(z.string()) }).parse(JSON.parse(read('vocabulary.json')));
      vocabulary = new Vocabulary(vocab.templateIds);
      topology = JSON.parse(read('model.json')) as typeof topology;
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(`model directory ${dir} is not a usable logtriage model: ${(error as Error).message.split('\n')[0]}`, { cause: error });
    }
    if (vocabulary.size !== meta.vocabularySize) {
      throw new InputError(`model directory ${dir}: the vocabulary has ${vocabulary.size} entries but the model was built for ${meta.vocabularySize}`);
    }
    let weights: Buffer;
    try {
      weights = readFileSync(join(dir, 'weights.bin'));
    } catch (error) {
      throw new InputError(`model directory ${dir}: cannot read weights.bin`, { cause: error });
    }
    let model: tf.LayersModel;
    try {
      model = await tf.loadLayersModel(
        tf.io.fromMemory({ modelTopology: topology.modelTopology as tf.io.ModelArtifacts['modelTopology'], weightSpecs: topology.weightSpecs, weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) }),
      );
    } catch (error) {
      throw new InputError(`model directory ${dir}: the weights do not load (${(error as Error).message.split('\n')[0]})`, { cause: error });
    }
    const outputs = (model.outputs[0]?.shape ?? []).at(-1);
    if (outputs !== vocabulary.size) throw new InputError(`model directory ${dir}: the network predicts ${String(outputs)} classes but the vocabulary has ${vocabulary.size}`);
    return new SequenceScorer(model, vocabulary, meta, options.cacheSize ?? 100_000);
  }

  /** Frees the model's tensors. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
    this.cache.clear();
  }

  private disposed = false;
}
