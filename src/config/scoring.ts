import { z } from 'zod';

/** Tier 1: the sequence model's backend. */
export const scoringConfigSchema = z
  .strictObject({
    backend: z
      .enum(['auto', 'tensorflow', 'wasm', 'cpu'])
      .default('auto')
      .describe('TensorFlow.js backend: auto tries tensorflow (tfjs-node-gpu, CUDA), then wasm, then cpu; a name forces that one.'),
  })
  .describe('Tier 1 sequence scoring.');

export type ScoringConfig = z.infer<typeof scoringConfigSchema>;
