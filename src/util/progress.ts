import cliProgress from 'cli-progress';

/** Reports progress of long CLI work (training, mining, evaluation, replay). */
export interface Progress {
  /** Advances by `delta` units (default 1); `extra` is shown after the counters (e.g. `loss=0.12`). */
  tick(delta?: number, extra?: string): void;
  /** Sets the total once it becomes known (e.g. after counting lines); a TTY bar started without one keeps its counter layout. */
  setTotal(total: number): void;
  /** Ends the bar or prints the last line. Safe to call twice. */
  stop(): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** What is being counted, e.g. `lines`, `sessions`. */
  unit: string;
  /** Label at the start of each line, e.g. `mining`. */
  label: string;
  /** Total units when known; 0 for unknown. */
  total?: number;
  /** Output stream. Default: standard error. */
  stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Milliseconds between plain lines when the stream is not a TTY. Default 5000. */
  intervalMs?: number;
  /** Force the TTY bar on or off; default: the stream's `isTTY`. */
  tty?: boolean;
  /** Print nothing. */
  quiet?: boolean;
}

/**
 * A progress bar with rate and ETA on a TTY; periodic plain lines (`label: n/total unit, rate/s,
 * ETA`) otherwise, so CI logs and pipes stay readable.
 */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { tick() {}, setTotal() {}, stop() {} };
  const tty = options.tty ?? Boolean((stream as NodeJS.WriteStream).isTTY);
  return tty ? new TtyProgress(options, stream as NodeJS.WriteStream) : new PlainProgress(options, stream);
}

class TtyProgress implements Progress {
  private readonly bar: cliProgress.SingleBar;
  private value = 0;
  private stopped = false;

  constructor(options: ProgressOptions, stream: NodeJS.WriteStream) {
    // Without a known total a bar and an ETA would be made up: show the count, rate and time.
    const format = options.total
      ? `${options.label} [{bar}] {percentage}% | {value}/{total} ${options.unit} | {speed}/s | ETA {eta_formatted} {extra}`
      : `${options.label} {value} ${options.unit} | {speed}/s | {duration_formatted} {extra}`;
    this.bar = new cliProgress.SingleBar(
      {
        stream,
        format,
        etaBuffer: 50,
        fps: 10,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(options.total ?? 0, 0, { speed: '0', extra: '' });
  }

  private started = Date.now();

  tick(delta = 1, extra = ''): void {
    this.value += delta;
    const seconds = Math.max((Date.now() - this.started) / 1000, 1e-3);
    this.bar.update(this.value, { speed: formatRate(this.value / seconds), extra });
  }

  setTotal(total: number): void {
    this.bar.setTotal(total);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bar.stop();
  }
}

class PlainProgress implements Progress {
  private value = 0;
  private total: number;
  private readonly started = Date.now();
  private lastPrint = Date.now();
  private extra = '';
  private stopped = false;

  constructor(
    private readonly options: ProgressOptions,
    private readonly stream: NodeJS.WritableStream,
  ) {
    this.total = options.total ?? 0;
  }

  tick(delta = 1, extra?: string): void {
    this.value += delta;
    if (extra !== undefined) this.extra = extra;
    const now = Date.now();
    if (now - this.lastPrint >= (this.options.intervalMs ?? 5000)) {
      this.lastPrint = now;
      this.print(now);
    }
  }

  setTotal(total: number): void {
    this.total = total;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.print(Date.now(), true);
  }

  private print(now: number, done = false): void {
    const seconds = Math.max((now - this.started) / 1000, 1e-3);
    const rate = this.value / seconds;
    const of = this.total > 0 ? `/${this.total}` : '';
    const eta =
      !done && this.total > 0 && rate > 0 ? `, ETA ${formatDuration((this.total - this.value) / rate)}` : '';
    const tail = done ? `, done in ${formatDuration(seconds)}` : eta;
    const extra = this.extra ? ` ${this.extra}` : '';
    this.stream.write(`${this.options.label}: ${this.value}${of} ${this.options.unit}, ${formatRate(rate)}/s${tail}${extra}\n`);
  }
}

/** `1234567` → `1.23M`, `5321` → `5.3k`. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k`;
  return perSecond.toFixed(perSecond < 10 ? 1 : 0);
}

/** Seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
