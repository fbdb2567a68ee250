import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TriageOutputError, TriageUnavailableError } from '../../../src/triage/errors.js';
import { OpenAiTriager, type OpenAiTriagerOptions } from '../../../src/triage/OpenAiTriager.js';
import { renderTriagePrompt, triageJsonSchema } from '../../../src/triage/prompts/index.js';
import { loadTaxonomy } from '../../../src/triage/taxonomy.js';
import type { TriageInput } from '../../../src/triage/types.js';
import { storedIncident } from './helpers.js';

const taxonomy = loadTaxonomy();

/** A valid answer in the prompt's snake_case form. */
const ANSWER = {
  category: 'connection_failure',
  severity: 'high',
  confidence: 0.82,
  summary: 'A data node reset the connection while receiving block blk_-1608999687919862906',
  explanation: 'Line [2] shows "Connection reset by peer" in receiveBlock, and line [3] the write failing for the same reason.',
  evidence_lines: [2, 3],
  suggested_actions: ['Check the network between the data nodes 10.250.19.102 and 10.250.10.6'],
};

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** What the fake server answers next: a chat completion with this content, or a raw status and body, after a delay. */
type Reply = { content: string | null; usage?: { prompt_tokens: number; completion_tokens: number }; finish?: string } | { status: number; body: string; delayMs?: number };

/** A small server that imitates `POST /v1/chat/completions` of an OpenAI-compatible API. */
let server: Server;
let baseUrl: string;
let replies: Reply[] = [];
let received: Received[] = [];

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(text) as Record<string, unknown> });
  const reply = replies.shift() ?? { content: JSON.stringify(ANSWER) };
  if ('status' in reply) {
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (res.destroyed) return;
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: reply.finish ?? 'stop' }],
      usage: reply.usage ?? { prompt_tokens: 812, completion_tokens: 96, total_tokens: 908 },
    }),
  );
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  replies = [];
  received = [];
});

function triager(overrides: Partial<OpenAiTriagerOptions> = {}): OpenAiTriager {
  return new OpenAiTriager({ baseUrl, model: 'qwen2.5-7b-instruct', apiKey: 'sk-test', headers: { 'x-pool': 'triage' }, timeoutMs: 5_000, ...overrides });
}

function input(signal: AbortSignal = new AbortController().signal): TriageInput {
  const incident = storedIncident(1);
  const prompt = renderTriagePrompt(incident, { taxonomy, similar: [], language: 'en' });
  return { incident, similar: [], prompt, taxonomy, signal };
}

describe('OpenAiTriager against an OpenAI-compatible server', () => {
  it('sends the system turn, the examples and the incident with a strict JSON schema, and maps the answer', async () => {
    const backend = triager();
    const request = input();
    const outcome = await backend.triage(request);
    expect(outcome).toEqual({
      result: {
        category: 'connection_failure',
        severity: 'high',
        confidence: 0.82,
        summary: ANSWER.summary,
        explanation: ANSWER.explanation,
        evidenceLines: [2, 3],
        suggestedActions: ANSWER.suggested_actions,
        backend: `openai:${baseUrl}#qwen2.5-7b-instruct`,
      },
      tokensIn: 812,
      tokensOut: 96,
      attempts: 1,
    });
    expect(received).toHaveLength(1);
    const [call] = received;
    expect(call!.path).toBe('/v1/chat/completions');
    expect(call!.headers.authorization).toBe('Bearer sk-test');
    expect(call!.headers['x-pool']).toBe('triage');
    const { prompt } = request;
    expect(call!.body.messages).toEqual([
      { role: 'system', content: prompt.system },
      ...prompt.examples.flatMap((e) => [
        { role: 'user', content: e.user },
        { role: 'assistant', content: e.assistant },
      ]),
      { role: 'user', content: prompt.user },
    ]);
    expect(prompt.examples.length).toBeGreaterThan(0);
    expect(call!.body).toMatchObject({
      model: 'qwen2.5-7b-instruct',
      response_format: { type: 'json_schema', json_schema: { name: 'triage_result', schema: triageJsonSchema(taxonomy), strict: true } },
      temperature: 0,
      seed: 42,
      max_tokens: 512,
    });
  });

  it('asks again once, sampled with another seed, after an invalid answer, and adds up both calls’ tokens', async () => {
    replies = [{ content: '{"category": "timeout", "severity": "urgent"', usage: { prompt_tokens: 800, completion_tokens: 20 }, finish: 'length' }, { content: JSON.stringify(ANSWER) }];
    const outcome = await triager().triage(input());
    expect(outcome.attempts).toBe(2);
    expect(outcome.result.category).toBe('connection_failure');
    expect([outcome.tokensIn, outcome.tokensOut]).toEqual([800 + 812, 20 + 96]);
    expect(received.map((r) => [r.body.temperature, r.body.seed])).toEqual([
      [0, 42],
      [0.5, 43],
    ]);
  });

  it('rejects with TriageOutputError naming the problem when the answer is invalid twice', async () => {
    replies = [{ content: 'Sure! Here is the JSON you asked for.' }, { content: JSON.stringify({ ...ANSWER, evidence_lines: [42] }) }];
    const error = await triager().triage(input()).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(TriageOutputError);
    expect((error as Error).message).toMatch(/the answer was invalid twice; last: evidence_lines cites line 42, which the prompt did not show/);
    expect(received).toHaveLength(2);
  });

  it('treats a missing message content as an invalid answer', async () => {
    replies = [{ content: null }, { content: null }];
    await expect(triager().triage(input())).rejects.toThrow(/invalid twice; last: the response had no message content/);
  });

  it('reports 500 and 429 as unavailable (retried later), without asking again', async () => {
    replies = [{ status: 500, body: '{"error":{"message":"CUDA out of memory"}}' }];
    const error = await triager().triage(input()).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(TriageUnavailableError);
    expect((error as Error).message).toMatch(/HTTP 500 \(\{"error":\{"message":"CUDA out of memory"\}\}\); the server is busy or failing/);
    replies = [{ status: 429, body: 'slow down' }];
    await expect(triager().triage(input())).rejects.toThrow(/HTTP 429 \(slow down\)/);
    expect(received).toHaveLength(2);
  });

  it('says which setting to check for 401 and 404, and when the answer is no chat completion', async () => {
    replies = [{ status: 401, body: 'invalid api key' }];
    await expect(triager().triage(input())).rejects.toThrow(/HTTP 401 .*check triage\.openai\.apiKey/);
    replies = [{ status: 404, body: 'not found' }];
    await expect(triager().triage(input())).rejects.toThrow(/HTTP 404 .*ends with \/v1/);
    replies = [{ status: 200, body: '<html>hello</html>' }];
    await expect(triager().triage(input())).rejects.toThrow(/the response is not JSON .*OpenAI-compatible API/);
    replies = [{ status: 200, body: '{"choices": []}' }];
    await expect(triager().triage(input())).rejects.toThrow(/the response is not a chat completion \(choices: /);
  });

  it('gives up on a slow server after timeoutMs with TriageUnavailableError', async () => {
    replies = [{ status: 200, body: '{}', delayMs: 3_000 }];
    const started = performance.now();
    const error = await triager({ timeoutMs: 150 }).triage(input()).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(TriageUnavailableError);
    expect((error as Error).message).toMatch(/no answer within 150 ms \(triage\.timeoutMs\)/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('rejects with the caller’s reason when the caller aborts', async () => {
    replies = [{ status: 200, body: '{}', delayMs: 3_000 }];
    const controller = new AbortController();
    const reason = new DOMException('shutting down', 'AbortError');
    setTimeout(() => controller.abort(reason), 50);
    await expect(triager().triage(input(controller.signal))).rejects.toBe(reason);
  });

  it('reports a server that cannot be reached as unavailable', async () => {
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const error = await triager({ baseUrl: `http://127.0.0.1:${port}/v1` }).triage(input()).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(TriageUnavailableError);
    expect((error as Error).message).toMatch(new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/v1/chat/completions: ECONNREFUSED`));
  });

  it('refuses a response larger than it reads', async () => {
    replies = [{ status: 200, body: JSON.stringify({ choices: [{ message: { content: 'x'.repeat(5_000) } }] }) }];
    await expect(triager({ maxResponseBytes: 1_000 }).triage(input())).rejects.toThrow(/more than the 1000 (bytes )?accepted/);
  });

  it('keeps credentials in the URL out of its name, aborts calls in flight on dispose, and refuses work after it', async () => {
    const backend = triager({ baseUrl: baseUrl.replace('http://', 'http://user:secret@') });
    expect(backend.name).toBe(`openai:${baseUrl}#qwen2.5-7b-instruct`);
    replies = [{ status: 200, body: '{}', delayMs: 3_000 }];
    const pending = backend.triage(input());
    await new Promise((resolve) => setTimeout(resolve, 50));
    await backend.dispose();
    await backend.dispose();
    await expect(pending).rejects.toThrow(/the backend was closed while this incident was being triaged/);
    await expect(backend.triage(input())).rejects.toThrow(/the backend is closed/);
  });
});
