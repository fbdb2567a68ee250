import { resolveTriageBackend, resolveTriageThreads, type TriageConfig } from '../config/triage.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { TriageUnavailableError } from './errors.js';
import { HeuristicTriager } from './HeuristicTriager.js';
import { LlamaCppTriager } from './LlamaCppTriager.js';
import { OpenAiTriager } from './OpenAiTriager.js';
import type { Triager } from './types.js';

/**
 * The backend `triage.backend` names (`auto`: llamacpp when `modelPath` is set, else openai when
 * `openai.baseUrl` is set, else the heuristic). A local model that cannot be loaded (missing,
 * truncated or foreign file, adapter for another base model, no llama.cpp binary) falls back to the
 * heuristic with a logged warning when `fallbackToHeuristic`, else rejects with
 * {@link TriageUnavailableError}. An OpenAI-compatible server is not contacted here: one that is
 * down shows at the first call, and the worker retries it. The caller disposes the result.
 */
export async function createTriager(config: TriageConfig, logger: Logger = silentLogger()): Promise<Triager> {
  const backend = resolveTriageBackend(config);
  switch (backend) {
    case 'heuristic':
      logger.info({ backend: HeuristicTriager.NAME }, 'triage by heuristic (no LLM configured: set triage.modelPath or triage.openai.baseUrl)');
      return new HeuristicTriager();
    case 'openai': {
      const { baseUrl, model, apiKey, headers } = config.openai;
      const triager = new OpenAiTriager({
        baseUrl: baseUrl!,
        ...(model ? { model } : {}),
        ...(apiKey ? { apiKey } : {}),
        headers,
        maxTokens: config.maxTokens,
        temperature: config.temperature,
        seed: config.seed,
        timeoutMs: config.timeoutMs,
        parallelism: config.worker.concurrency,
      });
      logger.info({ backend: triager.name }, 'triage by an OpenAI-compatible server');
      return triager;
    }
    case 'llamacpp':
      try {
        return await LlamaCppTriager.create({
          modelPath: config.modelPath!,
          lora: config.lora,
          ...(config.chatTemplate ? { chatTemplate: config.chatTemplate } : {}),
          gpu: config.gpu,
          threads: resolveTriageThreads(config.threads),
          contextSize: config.contextSize,
          sequences: config.sequences,
          maxTokens: config.maxTokens,
          temperature: config.temperature,
          seed: config.seed,
          timeoutMs: config.timeoutMs,
          logger,
        });
      } catch (error) {
        if (!(error instanceof TriageUnavailableError) || !config.fallbackToHeuristic) throw error;
        logger.warn({ reason: error.message }, 'the triage model cannot be loaded; triaging by heuristic instead (fix triage.modelPath / triage.lora, or set triage.fallbackToHeuristic false to stop instead)');
        return new HeuristicTriager();
      }
  }
}
