import { tf } from './backend.js';

/** Shape of the small causal Transformer. */
export interface TransformerConfig {
  /** Model width. Default 32. */
  width: number;
  /** Attention heads (width must divide by it). Default 4. */
  heads: number;
  /** Transformer blocks. Default 2. */
  layers: number;
}

/**
 * Adds fixed sinusoidal position encodings (Vaswani et al., 2017) to `[batch, time, width]`
 * inputs. Fixed rather than learned: a learned position table needs an embedding lookup, whose
 * gradient the wasm backend lacks, and fixed encodings extend to any session length.
 */
class SinusoidalPosition extends tf.layers.Layer {
  static readonly className = 'LogtriageSinusoidalPosition';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const [, time, width] = x.shape as [number, number, number];
      const table = new Float32Array(time * width);
      for (let t = 0; t < time; t++) {
        for (let i = 0; i < width; i += 2) {
          const angle = t / 10000 ** (i / width);
          table[t * width + i] = Math.sin(angle);
          if (i + 1 < width) table[t * width + i + 1] = Math.cos(angle);
        }
      }
      return tf.add(x, tf.tensor2d(table, [time, width]));
    });
  }
}

interface AttentionArgs {
  width: number;
  heads: number;
  seed: number;
  name?: string;
}

/**
 * Masked multi-head self-attention: each position attends to itself and the positions before it
 * only, so the output at position t predicts event t + 1 from events ≤ t, as the LSTM does.
 */
class CausalSelfAttention extends tf.layers.Layer {
  static readonly className = 'LogtriageCausalSelfAttention';
  private readonly width: number;
  private readonly heads: number;
  private readonly seed: number;
  private qkv!: tf.LayerVariable;
  private out!: tf.LayerVariable;

  constructor(args: AttentionArgs) {
    super(args.name ? { name: args.name } : {});
    this.width = args.width;
    this.heads = args.heads;
    this.seed = args.seed;
  }

  override build(): void {
    this.qkv = this.addWeight('qkv', [this.width, 3 * this.width], 'float32', tf.initializers.glorotUniform({ seed: this.seed }));
    this.out = this.addWeight('out', [this.width, this.width], 'float32', tf.initializers.glorotUniform({ seed: this.seed + 1 }));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor3D;
      const [batch, time] = x.shape;
      const h = this.heads;
      const d = this.width / h;
      const qkv = tf.matMul(tf.reshape(x, [batch * time, this.width]), this.qkv.read());
      // [batch*time, 3*width] → three [batch*heads, time, d]
      const split = (k: number) => tf.reshape(tf.transpose(tf.reshape(tf.slice(qkv, [0, k * this.width], [batch * time, this.width]), [batch, time, h, d]), [0, 2, 1, 3]), [batch * h, time, d]);
      const q = split(0);
      const k = split(1);
      const v = split(2);
      const mask = new Float32Array(time * time);
      for (let i = 0; i < time; i++) for (let j = i + 1; j < time; j++) mask[i * time + j] = -1e9;
      const scores = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(d)), tf.tensor2d(mask, [time, time]));
      const attended = tf.matMul(tf.softmax(scores), v);
      const merged = tf.reshape(tf.transpose(tf.reshape(attended, [batch, h, time, d]), [0, 2, 1, 3]), [batch * time, this.width]);
      return tf.reshape(tf.matMul(merged, this.out.read()), [batch, time, this.width]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), width: this.width, heads: this.heads, seed: this.seed };
  }
}

tf.serialization.registerClass(SinusoidalPosition);
tf.serialization.registerClass(CausalSelfAttention);

/**
 * A small causal Transformer next-event model: one-hot input, a dense projection to `width`,
 * sinusoidal positions, `layers` pre-norm blocks of masked multi-head self-attention and an MLP,
 * a final layer norm and logits over the vocabulary. Every position is computed in parallel.
 */
export function buildTransformer(vocabSize: number, config: TransformerConfig, seed: number): tf.LayersModel {
  if (config.width % config.heads !== 0) throw new RangeError(`transformer width ${config.width} must be a multiple of heads ${config.heads}`);
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed + offset });
  const input = tf.input({ shape: [null, vocabSize] });
  let x = tf.layers.dense({ units: config.width, useBias: false, kernelInitializer: init(0), name: 'project' }).apply(input) as tf.SymbolicTensor;
  x = new SinusoidalPosition({ name: 'position' }).apply(x) as tf.SymbolicTensor;
  for (let l = 0; l < config.layers; l++) {
    const normed = tf.layers.layerNormalization({ name: `norm_attention${l}` }).apply(x) as tf.SymbolicTensor;
    const attended = new CausalSelfAttention({ width: config.width, heads: config.heads, seed: seed + 10 * (l + 1), name: `attention${l}` }).apply(normed) as tf.SymbolicTensor;
    x = tf.layers.add({ name: `residual_attention${l}` }).apply([x, attended]) as tf.SymbolicTensor;
    const normed2 = tf.layers.layerNormalization({ name: `norm_mlp${l}` }).apply(x) as tf.SymbolicTensor;
    const hidden = tf.layers.dense({ units: 4 * config.width, activation: 'relu', kernelInitializer: init(100 + l), name: `mlp_in${l}` }).apply(normed2) as tf.SymbolicTensor;
    const mlp = tf.layers.dense({ units: config.width, kernelInitializer: init(200 + l), name: `mlp_out${l}` }).apply(hidden) as tf.SymbolicTensor;
    x = tf.layers.add({ name: `residual_mlp${l}` }).apply([x, mlp]) as tf.SymbolicTensor;
  }
  x = tf.layers.layerNormalization({ name: 'norm_final' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: vocabSize, kernelInitializer: init(300), name: 'next' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'transformer' });
}
