import * as tf from '@tensorflow/tfjs';

/** Which TensorFlow.js backend to use: `auto` tries tfjs-node-gpu, then wasm, then cpu. */
export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** What backend selection found. */
export interface BackendReport {
  /** The backend in use: `tensorflow` (tfjs-node-gpu), `wasm` or `cpu`. */
  name: string;
  /** Whether CUDA was found (only tfjs-node-gpu can tell). */
  cuda: boolean;
  /** Why each backend tried before the chosen one was skipped. */
  skipped: { name: string; reason: string }[];
}

let current: Promise<BackendReport> | undefined;

/**
 * Chooses and initialises the backend once per process (later calls get the same report). The
 * model code uses the tfjs API only, so any backend runs it; they differ in speed: tfjs-node-gpu
 * (CUDA, an optional dependency that installs only where libtensorflow can be downloaded), then
 * WebAssembly (SIMD, measured about 28× faster than the plain CPU backend here), then CPU.
 */
export function initBackend(preference: BackendPreference = 'auto'): Promise<BackendReport> {
  current ??= choose(preference);
  return current;
}

async function choose(preference: BackendPreference): Promise<BackendReport> {
  const order = preference === 'auto' ? (['tensorflow', 'wasm', 'cpu'] as const) : [preference];
  const skipped: BackendReport['skipped'] = [];
  for (const name of order) {
    try {
      const cuda = await tryBackend(name);
      return { name, cuda, skipped };
    } catch (error) {
      skipped.push({ name, reason: (error as Error).message.split('\n')[0] ?? String(error) });
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

async function tryBackend(name: 'tensorflow' | 'wasm' | 'cpu'): Promise<boolean> {
  if (name === 'tensorflow') {
    // Optional dependency: absent when its install script could not fetch libtensorflow.
    const gpu = (await import('@tensorflow/tfjs-node-gpu' as string).catch((error: unknown) => {
      throw new Error(`@tensorflow/tfjs-node-gpu is not installed or does not load (${(error as Error).message.split('\n')[0]})`);
    })) as { getBackend?: () => string };
    if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend did not initialise');
    await tf.ready();
    const devices = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice;
    if (devices === false) throw new Error('tfjs-node-gpu loaded but sees no GPU');
    void gpu;
    return true;
  }
  if (name === 'wasm') {
    const before = new Set([...process.listeners('uncaughtException'), ...process.listeners('unhandledRejection')]);
    await import('@tensorflow/tfjs-backend-wasm');
    const ok = await tf.setBackend('wasm');
    await tf.ready();
    // The Emscripten module installs process-wide handlers that rethrow every uncaught error from
    // inside its own minified source; take them back so errors report where they happened.
    for (const listener of process.listeners('uncaughtException')) if (!before.has(listener)) process.removeListener('uncaughtException', listener);
    for (const listener of process.listeners('unhandledRejection')) if (!before.has(listener)) process.removeListener('unhandledRejection', listener);
    if (!ok) throw new Error('the wasm backend did not initialise');
    return false;
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
  await tf.ready();
  return false;
}

export { tf };
