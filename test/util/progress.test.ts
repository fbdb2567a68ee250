import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createProgress, formatDuration, formatRate } from '../../src/util/progress.js';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('createProgress', () => {
  it('prints periodic plain lines with rate and ETA when not on a TTY', () => {
    vi.useFakeTimers();
    try {
      const out = sink();
      const progress = createProgress({ label: 'mining', unit: 'lines', total: 1000, stream: out.stream, tty: false, intervalMs: 1000 });
      vi.advanceTimersByTime(1000);
      progress.tick(250);
      expect(out.text()).toMatch(/^mining: 250\/1000 lines, 250\/s, ETA 3s\n$/);
      progress.tick(100); // within the interval: no new line
      expect(out.text().split('\n')).toHaveLength(2);
      vi.advanceTimersByTime(1000);
      progress.stop();
      progress.stop();
      expect(out.text()).toMatch(/mining: 350\/1000 lines, 175\/s, done in 2s\n$/);
      expect(out.text().match(/done in/g)).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows a counter, not a made-up bar and ETA, on a TTY when the total is unknown', async () => {
    const out = sink();
    Object.assign(out.stream, { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    const progress = createProgress({ label: 'mining', unit: 'lines', stream: out.stream, tty: true });
    progress.tick(1500, '7 templates');
    progress.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.text()).toMatch(/mining 1500 lines \| [\d.]+[kM]?\/s \| \d+s 7 templates/);
    expect(out.text()).not.toContain('ETA');
  });

  it('prints nothing when quiet', () => {
    const out = sink();
    const progress = createProgress({ label: 'x', unit: 'y', stream: out.stream, quiet: true, tty: false });
    progress.tick(5);
    progress.stop();
    expect(out.text()).toBe('');
  });
});

describe('formatRate and formatDuration', () => {
  it('writes human units', () => {
    expect(formatRate(1_234_567)).toBe('1.23M');
    expect(formatRate(5321)).toBe('5.3k');
    expect(formatRate(4.25)).toBe('4.3');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(12.4)).toBe('12s');
  });
});
