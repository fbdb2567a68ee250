/**
 * Waits for `work` at most `ms` milliseconds. Resolves `true` when it settled in time (a rejection
 * counts as settled and is swallowed), `false` when the time ran out; the timer never keeps the
 * process alive. For disposal of native resources that may never settle (node-llama-cpp 3.22.1:
 * `llama.dispose()` after a failed `loadModel`).
 */
export async function settleWithin(work: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (work === undefined) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
