import { describe, expect, it } from 'vitest';
import { CATALOGS, MESSAGES_EN, MESSAGES_ZH, placeholders, renderMessage, type MessageKey } from '../../src/synthetic/index.js';

const KEYS = Object.keys(MESSAGES_EN) as MessageKey[];

describe('message catalogues', () => {
  it('give the Chinese catalogue the same keys as the English one', () => {
    expect(Object.keys(MESSAGES_ZH).sort()).toEqual([...KEYS].sort());
  });

  it('use the same variables in both languages for every key', () => {
    for (const key of KEYS) expect(placeholders(MESSAGES_ZH[key]).sort(), key).toEqual(placeholders(MESSAGES_EN[key]).sort());
  });

  it('write every Chinese template as a Chinese sentence', () => {
    for (const key of KEYS) expect(MESSAGES_ZH[key], key).toMatch(/[\u4e00-\u9fff]/);
  });
});

describe('renderMessage', () => {
  it('fills variables in either language', () => {
    expect(renderMessage('en', 'auth.loginOk', { userId: 4821, duration: '35ms' })).toBe('User 4821 logged in successfully in 35ms');
    expect(renderMessage('zh', 'auth.loginOk', { userId: 4821, duration: '35ms' })).toBe('用户 4821 登录成功，耗时 35ms');
    expect(renderMessage('zh', 'db.connectTimeout', { db: 'orders-db', timeout: 5000 })).toBe('连接数据库 orders-db 超时（5000ms）');
  });

  it('throws when a variable is missing instead of writing a placeholder', () => {
    expect(() => renderMessage('en', 'auth.loginOk', { userId: 1 })).toThrow(/duration/);
  });

  it('keeps one catalogue per language', () => {
    expect(Object.keys(CATALOGS).sort()).toEqual(['en', 'zh']);
  });
});
