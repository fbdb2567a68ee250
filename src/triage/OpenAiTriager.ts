import { z } from 'zod';
import { callSignal } from './callSignal.js';
import { TriageOutputError, TriageUnavailableError } from './errors.js';
import { parseTriageOutput, triageJsonSchema } from './prompts/index.js';
import type { TriageInput, TriageOutcome, Triager, TriagePrompt } from './types.js';

/** Options of {@link OpenAiTriager}. */
export interface OpenAiTriagerOptions {
  /** API base URL up to and including `/v1`; requests go to `{baseUrl}/chat/completions`. */
  baseUrl: string;
  /** Model name sent with each request. Default: none sent (llama.cpp server serves its one model). */
  model?: string;
  /** Sent as `Authorization: Bearer …`. */
  apiKey?: string;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
  /** Most tokens of one answer (`max_tokens`). Default 512. */
  maxTokens?: number;
  /** Default 0. */
  temperature?: number;
  /** Default 42. */
  seed?: number;
  /** Longest time for one incident, the retry included, ms. Default 60 000. */
  timeoutMs?: number;
  /** Requests this backend serves well at once (a pool of servers serves more). Default 8. */
  parallelism?: number;
  /** Largest response body read, bytes. Default 1 MiB. */
  maxResponseBytes?: number;
}

/** The temperature of the retry after an invalid answer: greedy decoding would only repeat it. */
const RETRY_MIN_TEMPERATURE = 0.5;
/** Statuses that mean "not now": the server is overloaded, restarting or rate-limiting. */
const TRANSIENT = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

const completionSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullish() }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: z
    .object({ prompt_tokens: z.number().int().nonnegative().optional(), completion_tokens: z.number().int().nonnegative().optional() })
    .nullish(),
});

/**
 * Tier 2 on any OpenAI-compatible chat endpoint (llama.cpp server, vLLM, Ollama, a hosted API):
 * `POST {baseUrl}/chat/completions` with the system turn, the few-shot examples as earlier turns and
 * the incident, and `response_format: json_schema` (strict) so the server constrains the answer to
 * the taxonomy's schema. The answer is validated; an invalid one is asked again once (sampled), then
 * rejected with {@link TriageOutputError}. Connection failures, timeouts, 429 and 5xx reject with
 * {@link TriageUnavailableError} (the worker retries later), as do 4xx answers that mean the
 * configuration is wrong (the message says which).
 */
export class OpenAiTriager implements Triager {
  readonly name: string;
  readonly parallelism: number;
  private readonly endpoint: string;
  private readonly closing = new AbortController();
  private readonly basicAuth: string | undefined;
  private readonly settings: Required<Pick<OpenAiTriagerOptions, 'maxTokens' | 'temperature' | 'seed' | 'timeoutMs' | 'maxResponseBytes'>>;

  constructor(private readonly options: OpenAiTriagerOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch (error) {
      throw new TriageUnavailableError(`triage.openai.baseUrl "${options.baseUrl}" is not a URL; give e.g. http://localhost:8000/v1`, { cause: error });
    }
    // Credentials in the URL become a Basic header (fetch refuses URLs with credentials) and stay out of the name.
    if (url.username && !options.apiKey) {
      this.basicAuth = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    }
    url.username = '';
    url.password = '';
    const base = url.toString().replace(/\/+$/, '');
    this.endpoint = `${base}/chat/completions`;
    this.name = `openai:${base}${options.model ? `#${options.model}` : ''}`;
    this.parallelism = options.parallelism ?? 8;
    this.settings = {
      maxTokens: options.maxTokens ?? 512,
      temperature: options.temperature ?? 0,
      seed: options.seed ?? 42,
      timeoutMs: options.timeoutMs ?? 60_000,
      maxResponseBytes: options.maxResponseBytes ?? 1 << 20,
    };
  }

  async triage(input: TriageInput): Promise<TriageOutcome> {
    if (this.closing.signal.aborted) throw new TriageUnavailableError(`${this.name}: the backend is closed`);
    const call = callSignal(input.signal, this.settings.timeoutMs, this.closing.signal, this.name);
    const schema = triageJsonSchema(input.taxonomy);
    let tokensIn = 0;
    let tokensOut = 0;
    let lastProblem = '';
    for (let attempt = 1; attempt <= 2; attempt++) {
      const answer = await this.ask(input.prompt, schema, attempt, call.signal).catch((error: unknown) => {
        throw call.signal.aborted ? call.reason() : error;
      });
      tokensIn += answer.tokensIn;
      tokensOut += answer.tokensOut;
      if (answer.text === undefined) {
        lastProblem = 'the response had no message content';
        continue;
      }
      try {
        const result = parseTriageOutput(answer.text, { taxonomy: input.taxonomy, shownLines: input.prompt.shownLines, backend: this.name });
        return { result, tokensIn, tokensOut, attempts: attempt };
      } catch (error) {
        if (!(error instanceof TriageOutputError)) throw error;
        lastProblem = `${error.message}${answer.finishReason === 'length' ? ` (the answer was cut at max_tokens ${this.settings.maxTokens})` : ''}`;
      }
    }
    throw new TriageOutputError(`${this.name}: the answer was invalid twice; last: ${lastProblem}`);
  }

  /** Aborts requests in flight. Safe to call twice. */
  dispose(): Promise<void> {
    this.closing.abort();
    return Promise.resolve();
  }

  private async ask(
    prompt: TriagePrompt,
    schema: unknown,
    attempt: number,
    signal: AbortSignal,
  ): Promise<{ text: string | undefined; finishReason: string | undefined; tokensIn: number; tokensOut: number }> {
    const retry = attempt > 1;
    const body = {
      ...(this.options.model ? { model: this.options.model } : {}),
      messages: [
        { role: 'system', content: prompt.system },
        ...prompt.examples.flatMap((e) => [
          { role: 'user', content: e.user },
          { role: 'assistant', content: e.assistant },
        ]),
        { role: 'user', content: prompt.user },
      ],
      response_format: { type: 'json_schema', json_schema: { name: 'triage_result', schema, strict: true } },
      temperature: retry ? Math.max(this.settings.temperature, RETRY_MIN_TEMPERATURE) : this.settings.temperature,
      seed: this.settings.seed + attempt - 1,
      max_tokens: this.settings.maxTokens,
    };
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...this.options.headers,
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : this.basicAuth ? { authorization: this.basicAuth } : {}),
        },
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
      throw new TriageUnavailableError(`${this.name}: cannot reach ${this.endpoint}: ${cause?.code ?? cause?.message ?? (error as Error).message}; check that the server runs and triage.openai.baseUrl`, { cause: error });
    }
    const text = await readBody(response, this.settings.maxResponseBytes, this.name);
    if (!response.ok) {
      const detail = text.slice(0, 300).replace(/\s+/g, ' ').trim();
      const hint = TRANSIENT.has(response.status)
        ? 'the server is busy or failing; the incident is retried later'
        : response.status === 401 || response.status === 403
          ? 'check triage.openai.apiKey'
          : response.status === 404
            ? 'check triage.openai.baseUrl (it ends with /v1) and triage.openai.model'
            : 'the server refused the request; check triage.openai.model and that it supports response_format json_schema';
      throw new TriageUnavailableError(`${this.name}: HTTP ${response.status}${detail ? ` (${detail})` : ''}; ${hint}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new TriageUnavailableError(`${this.name}: the response is not JSON (starts with ${JSON.stringify(text.slice(0, 80))}); is triage.openai.baseUrl an OpenAI-compatible API?`);
    }
    const parsed = completionSchema.safeParse(json);
    if (!parsed.success) {
      throw new TriageUnavailableError(`${this.name}: the response is not a chat completion (${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')})`);
    }
    const choice = parsed.data.choices[0]!;
    return {
      text: choice.message.content ?? undefined,
      finishReason: choice.finish_reason ?? undefined,
      tokensIn: parsed.data.usage?.prompt_tokens ?? 0,
      tokensOut: parsed.data.usage?.completion_tokens ?? 0,
    };
  }
}

/** The response body as text, refusing more than `max` bytes. */
async function readBody(response: Response, max: number, name: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await response.body?.cancel();
    throw new TriageUnavailableError(`${name}: the response is ${declared} bytes, more than the ${max} accepted`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new TriageUnavailableError(`${name}: the response is more than the ${max} bytes accepted`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
