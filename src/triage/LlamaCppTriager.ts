import { basename } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  getLlama,
  JinjaTemplateChatWrapper,
  LlamaChatSession,
  LlamaLogLevel,
  resolveChatWrapper,
  specializedChatWrapperTypeNames,
  type ChatHistoryItem,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaGrammar,
  type LlamaModel,
  type SpecializedChatWrapperTypeName,
  type TokenBias,
} from 'node-llama-cpp';
import { silentLogger, type Logger } from '../util/logger.js';
import { callSignal } from './callSignal.js';
import { TriageOutputError, TriageUnavailableError } from './errors.js';
import { readGgufHeader } from './gguf/index.js';
import { parseTriageOutput, triageJsonSchema } from './prompts/index.js';
import { settleWithin } from './settleWithin.js';
import type { Taxonomy } from './taxonomy.js';
import type { TriageInput, TriageOutcome, Triager, TriagePrompt } from './types.js';

/** Options of {@link LlamaCppTriager.create}. */
export interface LlamaCppTriagerOptions {
  /** GGUF base model. */
  modelPath: string;
  /** GGUF LoRA adapters applied to every sequence. Default none. */
  lora?: { path: string; scale: number }[];
  /** A node-llama-cpp chat wrapper name (`chatML`, `llama3.1`, …) or a Jinja template. Default: the model's own template. */
  chatTemplate?: string;
  /** `auto`: a GPU build when one loads, else CPU. Default `auto`. */
  gpu?: 'auto' | false;
  /** llama.cpp CPU threads. Default 1 (see `triage.threads` for the service's default). */
  threads?: number;
  /** Context window of each sequence, tokens. Default 4096. */
  contextSize?: number;
  /** Incidents served at once, each on its own sequence of the one context. Default 4. */
  sequences?: number;
  /** Most tokens of one answer. Default 512. */
  maxTokens?: number;
  /** Default 0 (greedy). */
  temperature?: number;
  /** Default 42. */
  seed?: number;
  /** Longest time for one incident, the retry included, ms. Default 60 000. */
  timeoutMs?: number;
  /** Longest wait for each native disposal step, ms. Default 5 000. */
  disposeTimeoutMs?: number;
  /** Token biases for every answer (llama.cpp's logit bias), made once for the loaded model; e.g. to keep a model off tokens it misuses. */
  tokenBias?: (model: LlamaModel) => TokenBias;
  /** llama.cpp's warnings and errors go here (warn), and loading is logged (info). Default silent. */
  logger?: Logger;
}

/** The temperature of the retry after an invalid answer: greedy decoding would only repeat it. */
const RETRY_MIN_TEMPERATURE = 0.5;
/** How long to wait for llama.cpp's own reason after node-llama-cpp reported a bare failure, ms. */
const LOG_REASON_WAIT_MS = 300;
/** llama.cpp log lines kept for error messages. */
const KEPT_LOG_LINES = 50;
/** Grammars kept (one per taxonomy and set of shown lines). */
const KEPT_GRAMMARS = 64;
/** Up to this many shown lines, the grammar lets `evidence_lines` cite only those. */
const MAX_LINE_ENUM = 512;
/** The values `confidence` may take under the grammar: 0, 0.01, …, 1 (node-llama-cpp's grammar knows no number ranges). */
const CONFIDENCE_VALUES = Array.from({ length: 101 }, (_, i) => Number((i / 100).toFixed(2)));

/** One sequence of the shared context with its chat session. */
interface Slot {
  session: LlamaChatSession;
  /** Set after an abort or error: the KV cache is cleared before the next use. */
  dirty: boolean;
}

/**
 * Tier 2 on a local GGUF model through node-llama-cpp: one model, one context with `sequences`
 * sequences, so that many incidents are decoded together (batched); each incident takes a free
 * sequence, gets the system prompt and the few-shot examples as earlier chat turns (a sequence keeps
 * their evaluated prefix in its KV cache, so only the incident itself is evaluated anew), and
 * answers under the JSON-schema grammar of the taxonomy. The answer is validated; an invalid one is
 * asked again once (sampled, as greedy decoding would repeat it), then rejected with
 * {@link TriageOutputError}.
 */
export class LlamaCppTriager implements Triager {
  readonly name: string;
  readonly parallelism: number;
  private readonly free: Slot[];
  private readonly waiting: ((slot: Slot) => void)[] = [];
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private readonly closing = new AbortController();
  private disposing: Promise<void> | undefined;

  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    slots: Slot[],
    private readonly settings: Required<Pick<LlamaCppTriagerOptions, 'maxTokens' | 'temperature' | 'seed' | 'timeoutMs' | 'disposeTimeoutMs'>>,
    private readonly logger: Logger,
    name: string,
    private readonly tokenBias: TokenBias | undefined,
  ) {
    this.name = name;
    this.parallelism = slots.length;
    this.free = [...slots];
  }

  /**
   * Checks the model and adapter files, loads the model and creates the context. Rejects with
   * {@link TriageUnavailableError} naming the file and llama.cpp's reason when anything fails;
   * nothing stays loaded then.
   */
  static async create(options: LlamaCppTriagerOptions): Promise<LlamaCppTriager> {
    const logger = options.logger ?? silentLogger();
    const threads = options.threads ?? 1;
    const sequences = options.sequences ?? 4;
    const lora = options.lora ?? [];
    const disposeTimeoutMs = options.disposeTimeoutMs ?? 5_000;
    const name = `llamacpp:${basename(options.modelPath)}${lora.map((a) => `+${basename(a.path)}`).join('')}`;

    // node-llama-cpp answers a truncated or foreign file with a bare "Failed to load model", and a
    // failed load can leave llama.dispose() hanging; the header check names the problem first.
    checkGguf(options.modelPath, 'model', 'triage.modelPath');
    for (const adapter of lora) checkGguf(adapter.path, 'adapter', 'triage.lora[].path');

    const llamaLog: string[] = [];
    let llama: Llama;
    try {
      llama = await getLlama({
        gpu: options.gpu ?? 'auto',
        build: 'never',
        maxThreads: threads,
        logLevel: LlamaLogLevel.warn,
        logger: (level, message) => {
          const line = message.trim();
          if (line === '') return;
          llamaLog.push(line);
          if (llamaLog.length > KEPT_LOG_LINES) llamaLog.shift();
          logger.warn({ backend: name, llamaLevel: level }, `llama.cpp: ${line}`);
        },
      });
    } catch (error) {
      throw new TriageUnavailableError(`${name}: node-llama-cpp found no usable llama.cpp binary (${(error as Error).message}); reinstall node-llama-cpp for this platform`, { cause: error });
    }

    let model: LlamaModel | undefined;
    let context: LlamaContext | undefined;
    const fail = async (what: string, error: unknown, since: number): Promise<never> => {
      const reason = await llamaReason(llamaLog, since);
      await settleWithin(context?.dispose(), disposeTimeoutMs);
      await settleWithin(model?.dispose(), disposeTimeoutMs);
      await settleWithin(llama.dispose(), disposeTimeoutMs);
      throw new TriageUnavailableError(`${name}: ${what} failed: ${(error as Error).message}${reason ? ` (llama.cpp: ${reason})` : ''}`, { cause: error });
    };

    let since = llamaLog.length;
    try {
      model = await llama.loadModel({ modelPath: options.modelPath });
    } catch (error) {
      return fail(`loading ${options.modelPath}`, error, since);
    }
    since = llamaLog.length;
    try {
      context = await model.createContext({
        contextSize: options.contextSize ?? 4096,
        sequences,
        threads,
        ...(lora.length > 0 ? { lora: { adapters: lora.map((a) => ({ filePath: a.path, scale: a.scale })) } } : {}),
      });
    } catch (error) {
      return fail(lora.length > 0 ? `creating the context with adapters ${lora.map((a) => a.path).join(', ')}` : 'creating the context', error, since);
    }

    let chatWrapper: ChatWrapper | 'auto';
    try {
      chatWrapper = chatWrapperFor(model, options.chatTemplate);
    } catch (error) {
      return fail('resolving triage.chatTemplate', error, llamaLog.length);
    }
    const slots: Slot[] = [];
    for (let i = 0; i < sequences; i++) {
      slots.push({ session: new LlamaChatSession({ contextSequence: context.getSequence(), chatWrapper }), dirty: false });
    }
    const triager = new LlamaCppTriager(
      llama,
      model,
      context,
      slots,
      {
        maxTokens: options.maxTokens ?? 512,
        temperature: options.temperature ?? 0,
        seed: options.seed ?? 42,
        timeoutMs: options.timeoutMs ?? 60_000,
        disposeTimeoutMs,
      },
      logger,
      name,
      options.tokenBias?.(model),
    );
    logger.info(
      { backend: name, gpu: llama.gpu, threads, sequences, contextSize: context.contextSize, chatWrapper: slots[0]!.session.chatWrapper.wrapperName },
      'llama.cpp triage backend ready',
    );
    return triager;
  }

  /** Sequences serving an incident now (0 … `parallelism`). */
  get inUse(): number {
    return this.parallelism - this.free.length;
  }

  /** Tokens of `text` in this model's vocabulary (for the prompt's token budget). */
  countTokens(text: string): number {
    return this.model.tokenize(text).length;
  }

  async triage(input: TriageInput): Promise<TriageOutcome> {
    if (this.disposing) throw new TriageUnavailableError(`${this.name}: the backend is closed`);
    const call = callSignal(input.signal, this.settings.timeoutMs, this.closing.signal, this.name);
    const slot = await this.acquire(call.signal).catch(() => {
      throw call.reason();
    });
    let tokensIn = 0;
    let tokensOut = 0;
    try {
      const grammar = await this.grammarFor(input.taxonomy, input.prompt.shownLines);
      let lastProblem = '';
      for (let attempt = 1; attempt <= 2; attempt++) {
        const answer = await this.ask(slot, input.prompt, grammar, attempt, call.signal).catch((error: unknown) => {
          slot.dirty = true;
          throw call.signal.aborted ? call.reason() : new TriageUnavailableError(`${this.name}: generation failed: ${(error as Error).message}`, { cause: error });
        });
        tokensIn += answer.tokensIn;
        tokensOut += answer.tokensOut;
        try {
          const result = parseTriageOutput(answer.text, { taxonomy: input.taxonomy, shownLines: input.prompt.shownLines, backend: this.name });
          return { result, tokensIn, tokensOut, attempts: attempt };
        } catch (error) {
          if (!(error instanceof TriageOutputError)) throw error;
          lastProblem = error.message;
          this.logger.debug({ backend: this.name, incident: input.incident.id, attempt, problem: lastProblem }, 'invalid triage answer');
        }
      }
      throw new TriageOutputError(`${this.name}: the answer was invalid twice; last: ${lastProblem}`);
    } finally {
      this.release(slot);
    }
  }

  /** Aborts calls in flight, then releases the sessions, context, model and llama.cpp. Safe to call twice. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      this.closing.abort();
      const step = this.settings.disposeTimeoutMs;
      // Aborted calls give their sequences back once generation has unwound.
      const started = Date.now();
      while (this.free.length < this.parallelism && Date.now() - started < step) await delay(10);
      for (const slot of this.free) slot.session.dispose();
      if (!(await settleWithin(this.context.dispose(), step))) this.logger.warn({ backend: this.name }, 'llama.cpp context did not close in time');
      if (!(await settleWithin(this.model.dispose(), step))) this.logger.warn({ backend: this.name }, 'llama.cpp model did not close in time');
      if (!(await settleWithin(this.llama.dispose(), step))) this.logger.warn({ backend: this.name }, 'llama.cpp did not close in time');
    })();
    return this.disposing;
  }

  /** One answer on `slot`: the chat history is replaced by the system turn and the examples, then the incident is asked. */
  private async ask(slot: Slot, prompt: TriagePrompt, grammar: LlamaGrammar, attempt: number, signal: AbortSignal): Promise<{ text: string; tokensIn: number; tokensOut: number }> {
    const { session } = slot;
    if (slot.dirty) {
      // After an abort the KV cache may hold half an answer; start this sequence from nothing.
      await session.sequence.clearHistory();
      slot.dirty = false;
    }
    const history: ChatHistoryItem[] = [{ type: 'system', text: prompt.system }];
    for (const example of prompt.examples) history.push({ type: 'user', text: example.user }, { type: 'model', response: [example.assistant] });
    session.setChatHistory(history);
    const before = session.sequence.tokenMeter.getState();
    const retry = attempt > 1;
    const text = await session.prompt(prompt.user, {
      grammar,
      maxTokens: this.settings.maxTokens,
      temperature: retry ? Math.max(this.settings.temperature, RETRY_MIN_TEMPERATURE) : this.settings.temperature,
      seed: this.settings.seed + attempt - 1,
      signal,
      ...(this.tokenBias ? { tokenBias: this.tokenBias } : {}),
    });
    const after = session.sequence.tokenMeter.getState();
    const tokensOut = after.usedOutputTokens - before.usedOutputTokens;
    // Prompt tokens as an OpenAI server counts them: the cached prefix included, not only what was evaluated.
    const tokensIn = Math.max(after.usedInputTokens - before.usedInputTokens, session.sequence.nextTokenIndex - tokensOut);
    return { text, tokensIn, tokensOut };
  }

  /**
   * The taxonomy's JSON-schema grammar, narrowed where node-llama-cpp's grammar can and
   * parseTriageOutput would otherwise refuse the answer: `confidence` is one of 0, 0.01, …, 1 and
   * `evidence_lines` cites only lines the prompt showed.
   */
  private grammarFor(taxonomy: Taxonomy, shownLines: readonly number[]): Promise<LlamaGrammar> {
    const lines = shownLines.length <= MAX_LINE_ENUM ? [...shownLines] : undefined;
    const key = `${taxonomy.categories.map((c) => c.name).join(',')}|${lines?.join(',') ?? '*'}`;
    let grammar = this.grammars.get(key);
    if (grammar) {
      this.grammars.delete(key);
      this.grammars.set(key, grammar);
      return grammar;
    }
    const schema = structuredClone(triageJsonSchema(taxonomy)) as { properties?: Record<string, Record<string, unknown>> };
    const properties = schema.properties;
    if (properties?.confidence) properties.confidence = { enum: CONFIDENCE_VALUES };
    if (properties?.evidence_lines && lines) {
      properties.evidence_lines = lines.length > 0 ? { ...properties.evidence_lines, items: { enum: lines } } : { ...properties.evidence_lines, maxItems: 0 };
    }
    grammar = this.llama.createGrammarForJsonSchema(schema as Parameters<Llama['createGrammarForJsonSchema']>[0]);
    grammar.catch(() => this.grammars.delete(key));
    this.grammars.set(key, grammar);
    while (this.grammars.size > KEPT_GRAMMARS) this.grammars.delete(this.grammars.keys().next().value!);
    return grammar;
  }

  private acquire(signal: AbortSignal): Promise<Slot> {
    const slot = this.free.pop();
    if (slot) return Promise.resolve(slot);
    return new Promise<Slot>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.waiting.indexOf(take);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal.reason);
      };
      const take = (s: Slot): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(s);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(take);
    });
  }

  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.free.push(slot);
  }
}

/** Throws {@link TriageUnavailableError} when `path` is not a readable, complete GGUF file of the expected kind. */
function checkGguf(path: string, kind: 'model' | 'adapter', setting: string): void {
  let type: unknown;
  try {
    type = readGgufHeader(path).metadata['general.type'];
  } catch (error) {
    throw new TriageUnavailableError(`${setting}: ${(error as Error).message}`, { cause: error });
  }
  if (kind === 'adapter' && type !== 'adapter') {
    throw new TriageUnavailableError(`${setting}: ${path} is not a LoRA adapter (general.type is ${JSON.stringify(type ?? null)}, expected "adapter"); convert the adapter with llama.cpp's convert_lora_to_gguf.py`);
  }
  if (kind === 'model' && type === 'adapter') {
    throw new TriageUnavailableError(`${setting}: ${path} is a LoRA adapter, not a base model; put it under triage.lora and set triage.modelPath to the base model`);
  }
}

/** The llama.cpp log lines written since index `since`, waiting briefly for them (they arrive after node-llama-cpp's error). */
async function llamaReason(log: string[], since: number): Promise<string> {
  const started = Date.now();
  while (log.length <= since && Date.now() - started < LOG_REASON_WAIT_MS) await delay(20);
  return log.slice(since).slice(-3).join('; ');
}

/** The chat wrapper for `template`: a node-llama-cpp wrapper name, a Jinja template, or (unset) the model's own. */
function chatWrapperFor(model: LlamaModel, template: string | undefined): ChatWrapper | 'auto' {
  if (template === undefined) return 'auto';
  if ((specializedChatWrapperTypeNames as readonly string[]).includes(template)) return resolveChatWrapper(model, { type: template as SpecializedChatWrapperTypeName });
  if (/\{[{%]/.test(template)) return new JinjaTemplateChatWrapper({ template });
  throw new Error(`"${template.slice(0, 80)}" is neither a chat wrapper name (${specializedChatWrapperTypeNames.join(', ')}) nor a Jinja template`);
}
