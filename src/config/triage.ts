import { availableParallelism } from 'node:os';
import { z } from 'zod';

/** Backends `triage.backend` may name; `auto` picks one from what is configured. */
export const TRIAGE_BACKENDS = ['auto', 'llamacpp', 'openai', 'heuristic'] as const;
export type TriageBackendSetting = (typeof TRIAGE_BACKENDS)[number];

const positiveInt = (): z.ZodNumber => z.number().int().positive();

/** One OpenAI-compatible chat endpoint (llama.cpp server, vLLM, Ollama, a hosted API). */
const openAiConfigSchema = z
  .strictObject({
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Base URL of the OpenAI-compatible API, up to and including `/v1`, e.g. `http://gpu-pool:8000/v1`; requests go to `{baseUrl}/chat/completions`.'),
    model: z.string().min(1).optional().describe('Model name sent with each request (vLLM: the served model name; llama.cpp server ignores it). Default: none sent.'),
    apiKey: z
      .string()
      .min(1)
      .optional()
      .describe('Bearer token sent as `Authorization: Bearer …`. Prefer the environment (`LOGTRIAGE_TRIAGE__OPENAI__API_KEY`) to a config file.'),
    headers: z.record(z.string(), z.string()).default({}).describe('Extra HTTP headers sent with every request (e.g. a routing header of a gateway).'),
  })
  .describe('The OpenAI-compatible backend.');

/** The worker that drains the triage queue. */
const workerConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Run the triage worker in `logtriage serve`. Off: incidents stay pending for workers elsewhere.'),
    id: z.string().min(1).max(200).optional().describe('Name this worker claims incidents under. Default `<hostname>:<pid>`.'),
    concurrency: positiveInt()
      .max(256)
      .default(4)
      .describe('Most incidents triaged at once by this worker; the backend may allow fewer (llamacpp: `triage.sequences`).'),
    leaseMs: positiveInt()
      .default(5 * 60_000)
      .describe('How long a claimed incident stays with this worker, in milliseconds; if the worker dies, another claims it after this. Must exceed `triage.timeoutMs`.'),
    maxAttempts: positiveInt().max(100).default(3).describe('Attempts while the backend is unavailable before an incident is marked failed for good.'),
    retryBaseMs: positiveInt()
      .default(5_000)
      .describe('Backoff after the first unavailable attempt, in milliseconds; doubles with each further attempt up to `retryMaxMs`.'),
    retryMaxMs: positiveInt().default(10 * 60_000).describe('Longest backoff between attempts, in milliseconds.'),
    pollIntervalMs: positiveInt().default(1_000).describe('How often the worker looks for pending incidents when the queue was empty, in milliseconds.'),
    drainTimeoutMs: z
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe('At shutdown, how long calls in flight may finish before they are aborted (their incidents become claimable again), in milliseconds.'),
    reuse: z
      .enum(['signature', 'templates', 'off'])
      .default('signature')
      .describe(
        'Copy an earlier result instead of calling the backend (counted in `logtriage_triage_saved_calls_total`) when an incident has the same signature or template-id sequence as one already triaged by the same backend (`signature`), or also the same set of distinct templates in another order or count (`templates`: far fewer calls on logs such as HDFS, but the copied explanation may mention lines of the other incident); `off`: every incident goes to the backend. Results are remembered by this worker (and read back from recent triaged incidents at start).',
      ),
  })
  .superRefine((config, ctx) => {
    if (config.retryMaxMs < config.retryBaseMs) {
      ctx.addIssue({ code: 'custom', path: ['retryMaxMs'], message: `retryMaxMs (${config.retryMaxMs}) is smaller than retryBaseMs (${config.retryBaseMs}); raise it or lower retryBaseMs` });
    }
  })
  .describe('The triage worker: claims pending incidents from the store and triages them.');

/** Tier 2: which LLM explains flagged sessions, how it is run, and the worker that feeds it. */
export const triageConfigSchema = z
  .strictObject({
    backend: z
      .enum(TRIAGE_BACKENDS)
      .default('auto')
      .describe('`llamacpp` (a local GGUF model through node-llama-cpp), `openai` (an OpenAI-compatible server), `heuristic` (keywords, no LLM) or `auto`: llamacpp when `modelPath` is set, else openai when `openai.baseUrl` is set, else heuristic.'),
    modelPath: z.string().min(1).optional().describe('GGUF base model for `llamacpp` (see `logtriage model pull`).'),
    lora: z
      .array(
        z.strictObject({
          path: z.string().min(1).describe('GGUF LoRA adapter file (llama.cpp `convert_lora_to_gguf.py` output).'),
          scale: z.number().min(0).max(10).default(1).describe('Strength of the adapter; 1 applies it as trained.'),
        }),
      )
      .default([])
      .describe('LoRA adapters applied on top of `modelPath`, in order.'),
    chatTemplate: z
      .string()
      .min(1)
      .optional()
      .describe('Chat template override for `llamacpp`: a node-llama-cpp wrapper name (`chatML`, `llama3.1`, `qwen`, `mistral`, `gemma`, …) or a Jinja template. Default: the template in the GGUF file, as node-llama-cpp resolves it.'),
    gpu: z
      .union([z.literal('auto'), z.literal(false)])
      .default('auto')
      .describe('`auto`: CUDA, Vulkan or Metal when a prebuilt binary for it loads, else CPU. `false`: CPU only.'),
    threads: z
      .number()
      .int()
      .min(0)
      .max(1024)
      .default(0)
      .describe('CPU threads of llama.cpp. 0: half the available cores (at least 1), leaving the rest to ingestion and tier 1, because llama.cpp threads spin-wait and a core shared with another busy thread slows generation by orders of magnitude.'),
    contextSize: positiveInt()
      .min(256)
      .default(4096)
      .describe('Context window of each sequence, in tokens (prompt + answer). Memory grows with contextSize × sequences.'),
    sequences: positiveInt()
      .max(64)
      .default(4)
      .describe('`llamacpp`: incidents triaged in parallel, each on its own sequence of one shared context (batched decoding).'),
    maxTokens: positiveInt().default(512).describe('Most tokens of one answer.'),
    temperature: z.number().min(0).max(2).default(0).describe('Sampling temperature; 0 is greedy (deterministic).'),
    seed: z.number().int().min(0).default(42).describe('Sampling seed (only matters with temperature > 0).'),
    timeoutMs: positiveInt()
      .default(60_000)
      .describe('Longest time one incident may take at the backend, the retry of an invalid answer included, in milliseconds.'),
    language: z.enum(['en', 'zh', 'ru']).default('en').describe('Language of the explanation and summary.'),
    taxonomy: z.string().min(1).optional().describe('Anomaly taxonomy file (YAML). Default: the bundled `prompts/taxonomy.yaml`.'),
    maxPromptTokens: positiveInt()
      .default(3072)
      .describe('Most tokens of the rendered prompt (system, examples and incident); log lines beyond it are left out and the prompt says so.'),
    fallbackToHeuristic: z
      .boolean()
      .default(true)
      .describe('When the model cannot be loaded or the server is unavailable, classify with the heuristic (results labelled `heuristic`) instead of leaving incidents pending.'),
    openai: openAiConfigSchema.prefault({}),
    worker: workerConfigSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    if (config.backend === 'llamacpp' && !config.modelPath) {
      ctx.addIssue({ code: 'custom', path: ['modelPath'], message: 'triage.backend is llamacpp but triage.modelPath is not set; give a GGUF file (see `logtriage model pull`)' });
    }
    if (config.backend === 'openai' && !config.openai.baseUrl) {
      ctx.addIssue({ code: 'custom', path: ['openai', 'baseUrl'], message: 'triage.backend is openai but triage.openai.baseUrl is not set; give e.g. http://localhost:8000/v1' });
    }
    if (config.maxPromptTokens + config.maxTokens > config.contextSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxPromptTokens'],
        message: `maxPromptTokens (${config.maxPromptTokens}) + maxTokens (${config.maxTokens}) exceed contextSize (${config.contextSize}); the answer would not fit. Lower one or raise contextSize`,
      });
    }
    if (config.worker.leaseMs <= config.timeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['worker', 'leaseMs'],
        message: `worker.leaseMs (${config.worker.leaseMs}) must exceed timeoutMs (${config.timeoutMs}), or another worker may claim an incident while it is still being triaged`,
      });
    }
  })
  .describe('Tier 2: the LLM that classifies and explains incidents, and the worker that feeds it.');

/** The `triage` slice of the configuration, defaults filled in. */
export type TriageConfig = z.infer<typeof triageConfigSchema>;
/** What may be given for the `triage` slice: any subset of {@link TriageConfig}. */
export type TriageConfigInput = z.input<typeof triageConfigSchema>;
/** `triage.openai`. */
export type OpenAiTriageConfig = TriageConfig['openai'];
/** `triage.worker`. */
export type TriageWorkerConfig = TriageConfig['worker'];

/** The backend `auto` stands for: llamacpp with a model, else openai with a URL, else heuristic. */
export function resolveTriageBackend(config: Pick<TriageConfig, 'backend' | 'modelPath' | 'openai'>): Exclude<TriageBackendSetting, 'auto'> {
  if (config.backend !== 'auto') return config.backend;
  if (config.modelPath) return 'llamacpp';
  if (config.openai.baseUrl) return 'openai';
  return 'heuristic';
}

/** `triage.threads` as a count: 0 means half the available cores, at least 1. */
export function resolveTriageThreads(threads: number, cores: number = availableParallelism()): number {
  return threads > 0 ? threads : Math.max(1, Math.floor(cores / 2));
}
