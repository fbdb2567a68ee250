import { describe, expect, it } from 'vitest';
import { extractParameters, TemplateMiner } from '../../src/templates/index.js';
import { loghubExcerpt } from './loghubExcerpt.js';

const RECEIVING = 'Receiving block blk_<*> src: /<*>:<*> dest: /<*>:<*>';

describe('extractParameters', () => {
  it('returns the block id, addresses and ports of an HDFS Receiving line', () => {
    expect(extractParameters(RECEIVING, 'Receiving block blk_-5623176793330377570 src: /10.251.75.228:53725 dest: /10.251.75.228:50010')).toEqual([
      { value: '-5623176793330377570', tokenIndex: 2 },
      { value: '10.251.75.228', tokenIndex: 4 },
      { value: '53725', tokenIndex: 4 },
      { value: '10.251.75.228', tokenIndex: 6 },
      { value: '50010', tokenIndex: 6 },
    ]);
  });

  it('returns undefined for a message of another template', () => {
    expect(extractParameters(RECEIVING, 'Received block blk_3587508140051953248 of size 67108864 from /10.251.42.84')).toBeUndefined();
    // same token count, a literal differs
    expect(extractParameters(RECEIVING, 'Receiving block blk_1 from: /10.0.0.1:1 dest: /10.0.0.2:2')).toBeUndefined();
    // fewer tokens
    expect(extractParameters(RECEIVING, 'Receiving block blk_1 src: /10.0.0.1:1')).toBeUndefined();
  });

  it('returns no parameters for a template without wildcards', () => {
    expect(extractParameters('cupsd startup succeeded', 'cupsd startup succeeded')).toEqual([]);
  });

  it('returns the values behind every wildcard of the templates mined from Loghub lines', () => {
    for (const [system, rows] of Object.entries(loghubExcerpt())) {
      const miner = new TemplateMiner();
      for (const row of rows) miner.add(row.content);
      for (const row of rows) {
        const result = miner.add(row.content)!;
        const parameters = extractParameters(result.template, row.content);
        expect(parameters, `${system}: ${row.content}`).toBeDefined();
        expect(parameters!.length, `${system}: ${row.content}`).toBe(result.template.split('<*>').length - 1);
        for (const p of parameters!) expect(p.value, `${system}: ${row.content}`).not.toBe('');
      }
    }
  });

  it('returns the values of a Zookeeper session line in order', () => {
    const miner = new TemplateMiner();
    const line = 'Established session 0x14ed93111f20027 with negotiated timeout 10000 for client /10.10.34.13:37177';
    const { template } = miner.add(line)!;
    expect(template).toBe('Established session <*> with negotiated timeout <*> for client /<*>:<*>');
    expect(extractParameters(template, line)?.map((p) => p.value)).toEqual(['0x14ed93111f20027', '10000', '10.10.34.13', '37177']);
  });

  it('works on Chinese messages', () => {
    const miner = new TemplateMiner();
    const { template } = miner.add('用户 4821 登录成功，耗时 35ms')!;
    expect(extractParameters(template, '用户 977 登录成功，耗时 12ms')?.map((p) => p.value)).toEqual(['977', '12ms']);
  });

  it('returns a data size written as two tokens as one value', () => {
    const line = 'MemoryStore started with capacity 17.7 GB';
    const { template } = new TemplateMiner().add(line)!;
    expect(template).toBe('MemoryStore started with capacity <*>');
    expect(extractParameters(template, line)?.map((p) => p.value)).toEqual(['17.7 GB']);
  });
});
