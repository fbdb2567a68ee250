import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/util/logger.js';

describe('createLogger', () => {
  it('writes one JSON object per line at or above its level', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const logger = createLogger({ level: 'info', destination: stream });
    logger.debug('hidden');
    logger.info({ templates: 3 }, 'mined');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({ level: 30, msg: 'mined', templates: 3, service: 'logtriage' });
    expect(typeof record.time).toBe('string');
  });
});
