import { describe, expect, it } from 'vitest';
import { splitMessage, TemplateMiner } from '../../src/templates/index.js';

// Word boundaries inside Chinese text come from ICU's dictionary, which differs between Node
// builds: the tests assert templates (rendered with the original spacing) and how many tokens
// there are at least, not where each boundary falls.

describe('TemplateMiner on Chinese messages', () => {
  it('merges messages that differ only in a user id and a duration', () => {
    const miner = new TemplateMiner();
    const first = miner.add('用户 4821 登录成功，耗时 35ms')!;
    const second = miner.add('用户 977 登录成功，耗时 12ms')!;
    expect(first.template).toBe('用户 <*> 登录成功，耗时 <*>');
    expect(second).toEqual({ templateId: first.templateId, template: '用户 <*> 登录成功，耗时 <*>', change: 'matched' });
  });

  it('keeps a timeout and a success message apart', () => {
    const miner = new TemplateMiner();
    const timeout = miner.add('连接数据库 orders-db 超时（5000ms）')!;
    const success = miner.add('连接数据库 orders-db 成功（120ms）')!;
    expect(timeout.template).toBe('连接数据库 orders-db 超时（<*>）');
    expect(success.template).toBe('连接数据库 orders-db 成功（<*>）');
    expect(success.templateId).not.toBe(timeout.templateId);
    expect(miner.add('连接数据库 orders-db 超时（3000ms）')!.templateId).toBe(timeout.templateId);
  });

  it('keeps ASCII values glued to Chinese text whole, so the masks see them', () => {
    const { tokens } = splitMessage('连接数据库 orders-db 超时（5000ms）');
    expect(tokens).toContain('orders-db');
    expect(tokens).toContain('5000ms');
    expect(tokens).toContain('（');
  });

  it('splits Chinese text written without spaces into several tokens', () => {
    const { tokens, seps } = splitMessage('数据库连接失败错误码1045');
    expect(tokens.length).toBeGreaterThanOrEqual(4);
    expect(tokens.join('')).toBe('数据库连接失败错误码1045');
    expect(seps.every((sep) => sep === '')).toBe(true);
    expect(tokens.at(-1)).toBe('1045');
  });

  it('merges two unspaced Chinese messages that differ in an error code', () => {
    const miner = new TemplateMiner();
    const first = miner.add('数据库连接失败错误码1045')!;
    const second = miner.add('数据库连接失败错误码2003')!;
    expect(first.template).toBe('数据库连接失败错误码<*>');
    expect(second.templateId).toBe(first.templateId);
    expect(second.change).toBe('matched');
  });

  it('merges Japanese messages that differ in a number', () => {
    const miner = new TemplateMiner();
    const first = miner.add('ユーザー 42 がログインしました')!;
    expect(miner.add('ユーザー 7 がログインしました')!.templateId).toBe(first.templateId);
    expect(first.template).toBe('ユーザー <*> がログインしました');
  });
});

describe('TemplateMiner on Cyrillic messages', () => {
  it('splits on spaces and merges messages that differ in a user id', () => {
    expect(splitMessage('Пользователь 42 вошёл в систему').tokens).toEqual(['Пользователь', '42', 'вошёл', 'в', 'систему']);
    const miner = new TemplateMiner();
    const first = miner.add('Пользователь 42 вошёл в систему')!;
    const second = miner.add('Пользователь 7 вошёл в систему')!;
    expect(first.template).toBe('Пользователь <*> вошёл в систему');
    expect(second).toEqual({ templateId: first.templateId, template: 'Пользователь <*> вошёл в систему', change: 'matched' });
  });

  it('keeps login and logout apart', () => {
    const miner = new TemplateMiner();
    const login = miner.add('Пользователь 42 вошёл в систему')!;
    const logout = miner.add('Пользователь 42 вышел из системы')!;
    expect(logout.template).toBe('Пользователь <*> вышел из системы');
    expect(logout.templateId).not.toBe(login.templateId);
  });
});
