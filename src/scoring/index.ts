export { initBackend, tf, type BackendPreference, type BackendReport } from './backend.js';
export { Vocabulary, PAD, UNK, BOS, EOS } from './Vocabulary.js';
export { windowsOf, batchWindows, type Window, type Batch } from './batches.js';
export { buildLstm, type LstmConfig } from './lstm.js';
export { trainModel, seededRandom, type TrainOptions, type TrainReport } from './train.js';
export { scorePositions, sessionScore, UNSEEN_SURPRISE, type PositionScores, type ScoreOptions, type SessionScoreStrategy } from './score.js';
export { percentileThreshold } from './calibrate.js';
export { LruCache } from './LruCache.js';
export { SequenceScorer, MODEL_FORMAT_VERSION, type ScorerTrainOptions, type SessionVerdict } from './SequenceScorer.js';
