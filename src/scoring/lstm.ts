import { tf } from './backend.js';

/** Shape of the DeepLog-style next-event model. */
export interface LstmConfig {
  /** Width of the input projection of the one-hot template index. Default 16. */
  embedding: number;
  /** Units of each LSTM layer. Default 32. */
  hidden: number;
  /** Stacked LSTM layers. Default 2. */
  layers: number;
}

/**
 * Next-event model over template indices (Du et al., "DeepLog", CCS'17): one-hot input, a dense
 * projection, stacked LSTMs returning every step, a dense layer to logits over the vocabulary.
 * One-hot plus a dense layer stands in for an embedding layer because the wasm backend has no
 * gradient kernel for embedding lookups (UnsortedSegmentSum).
 */
export function buildLstm(vocabSize: number, config: LstmConfig, seed: number): tf.LayersModel {
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed + offset });
  const input = tf.input({ shape: [null, vocabSize] });
  let x = tf.layers.dense({ units: config.embedding, useBias: false, kernelInitializer: init(0), name: 'project' }).apply(input) as tf.SymbolicTensor;
  for (let l = 0; l < config.layers; l++) {
    x = tf.layers
      .lstm({ units: config.hidden, returnSequences: true, kernelInitializer: init(10 + l), recurrentInitializer: init(20 + l), name: `lstm${l}` })
      .apply(x) as tf.SymbolicTensor;
  }
  const logits = tf.layers.dense({ units: vocabSize, kernelInitializer: init(30), name: 'next' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'lstm' });
}
