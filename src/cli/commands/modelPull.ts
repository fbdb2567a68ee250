import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { createModelDownloader } from 'node-llama-cpp';
import { LogtriageError } from '../../util/errors.js';
import { configFor } from '../context.js';
import { nonNegativeInt } from './parse.js';

/** Options of {@link pullModel}. */
export interface PullModelOptions {
  /** Folder the file goes into (created if missing). */
  dir: string;
  /** Hugging Face endpoint or mirror for `hf:` URIs. Default `https://huggingface.co/` (node-llama-cpp also reads `HF_ENDPOINT`). */
  endpoint?: string;
  /** Longest wait for the server to answer at all, ms. Default 15 000. */
  connectTimeoutMs?: number;
  /** Longest wait for the whole download, ms. Default: none. */
  timeoutMs?: number;
  /** Download progress. */
  onProgress?: (status: { downloadedSize: number; totalSize: number }) => void;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'CERT_HAS_EXPIRED']);

/**
 * Downloads a GGUF model or adapter with node-llama-cpp's downloader (split files joined, an existing
 * complete file kept) and resolves with its path. `uri` is `hf:<user>/<repo>:<quant>`,
 * `hf:<user>/<repo>/<file>.gguf` or an `http(s)://` URL. The server is asked once first with a
 * bounded wait, because the downloader retries an unreachable host for many minutes; a host that
 * cannot be reached rejects at once with a `LogtriageError` (`MODEL_PULL_FAILED`) that says so and
 * how to install the model by hand.
 */
export async function pullModel(uri: string, options: PullModelOptions): Promise<string> {
  const target = probeUrl(uri, options.endpoint);
  const host = new URL(target).host;
  const offline = (reason: string, cause?: unknown): LogtriageError =>
    new LogtriageError('MODEL_PULL_FAILED', `cannot reach ${host}: ${reason}; download the GGUF elsewhere, copy it to ${options.dir} and set triage.modelPath to it`, { cause });
  try {
    const response = await fetch(target, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(options.connectTimeoutMs ?? 15_000) });
    await response.body?.cancel();
  } catch (error) {
    throw offline(networkReason(error) ?? (error as Error).message, error);
  }
  mkdirSync(options.dir, { recursive: true });
  const download = (async () => {
    const downloader = await createModelDownloader({
      modelUri: uri,
      dirPath: options.dir,
      ...(options.endpoint ? { endpoints: { huggingFace: options.endpoint } } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    return downloader.download();
  })();
  try {
    if (options.timeoutMs === undefined) return await download;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no complete download within ${options.timeoutMs} ms`)), options.timeoutMs);
    });
    try {
      return await Promise.race([download, expired]);
    } finally {
      clearTimeout(timer);
    }
  } catch (error) {
    const reason = networkReason(error);
    if (reason) throw offline(reason, error);
    throw new LogtriageError('MODEL_PULL_FAILED', `cannot download ${uri}: ${(error as Error).message}; check the URI (hf:<user>/<repo>:<quant>, hf:<user>/<repo>/<file>.gguf or a URL of a .gguf file)`, { cause: error });
  }
}

/** The URL asked first: the file for a URL, the endpoint's front page for `hf:`. */
function probeUrl(uri: string, endpoint: string | undefined): string {
  if (uri.startsWith('hf:')) return endpoint ?? 'https://huggingface.co/';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new LogtriageError('MODEL_PULL_FAILED', `"${uri}" is neither hf:<user>/<repo>:<quant>, hf:<user>/<repo>/<file>.gguf nor a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new LogtriageError('MODEL_PULL_FAILED', `"${uri}": only hf:, https:// and http:// are supported`);
  return url.toString();
}

/** The network reason behind a failure (`ECONNREFUSED (…)`, `no answer in time`), or undefined when it is not a network failure. */
function networkReason(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && NETWORK_CODES.has(code)) return `${code} (${e.message})`;
    if (e.name === 'TimeoutError') return 'no answer in time';
    if (e.message === 'fetch failed') return e.cause instanceof Error ? (networkReason(e.cause) ?? e.cause.message) : 'fetch failed';
  }
  return undefined;
}

interface PullCliOptions {
  endpoint?: string;
  connectTimeout: number;
}

/** `logtriage model pull <uri>`: downloads a GGUF model or adapter into `<dataDir>/llm/`. */
export function modelPullCommand(): Command {
  return new Command('pull')
    .description("download a GGUF model or LoRA adapter for tier 2 into <dataDir>/llm/ (node-llama-cpp's downloader)")
    .argument('<uri>', 'hf:<user>/<repo>:<quant>, hf:<user>/<repo>/<file>.gguf, or an http(s):// URL of a .gguf file')
    .option('--endpoint <url>', 'Hugging Face endpoint or mirror for hf: URIs (default https://huggingface.co/)')
    .option('--connect-timeout <ms>', 'give up when the server does not answer within this many milliseconds', nonNegativeInt, 15_000)
    .action(async (uri: string, options: PullCliOptions, cmd: Command) => {
      const config = configFor(cmd);
      const dir = join(config.service.dataDir, 'llm');
      let lastReport = 0;
      const path = await pullModel(uri, {
        dir,
        connectTimeoutMs: options.connectTimeout,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        onProgress: ({ downloadedSize, totalSize }) => {
          const now = Date.now();
          if (now - lastReport < 2_000 && downloadedSize < totalSize) return;
          lastReport = now;
          process.stderr.write(`downloaded ${(downloadedSize / 2 ** 20).toFixed(0)} of ${(totalSize / 2 ** 20).toFixed(0)} MiB\n`);
        },
      });
      process.stdout.write(`${path}\nuse it with: --set triage.modelPath=${path} (or triage.modelPath in the config file)\n`);
    });
}
