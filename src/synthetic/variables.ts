import type { Language } from './types.js';
import type { Random } from './random.js';

// Public client addresses: first octets of ranges that are routable and not reserved.
const CLIENT_FIRST_OCTETS = [23, 31, 46, 62, 77, 81, 91, 109, 145, 176, 185, 188, 203, 212, 217] as const;
const COLOURS = ['BLK', 'WHT', 'RED', 'BLU', 'GRN', 'GRY', 'NAV'] as const;
const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;
const FIRST_NAMES = ['anna', 'li.wei', 'j.smith', 'maria', 'chen.jing', 'tom', 'sofia', 'wang.fang', 'lucas', 'emma', 'zhang.min', 'noah'] as const;
const MAIL_DOMAINS = ['gmail.com', 'outlook.com', 'example.org', 'qq.com', '163.com', 'yahoo.de'] as const;

/** Product categories as they appear in URLs. */
export const CATEGORIES = ['shoes', 'electronics', 'kitchen', 'books', 'toys', 'outdoor', 'beauty', 'garden'] as const;

const QUERIES: Record<Language, readonly string[]> = {
  en: ['running shoes', 'wireless headphones', 'coffee grinder', 'usb-c cable', 'yoga mat', 'office chair', 'rain jacket', 'led desk lamp'],
  zh: ['跑步鞋', '无线耳机', '咖啡研磨机', '数据线', '瑜伽垫', '办公椅', '冲锋衣', '台灯'],
};

/** Value generators for the variables in messages; all draw from the given generator. */
export const vary = {
  userId: (rng: Random): number => rng.int(1000, 99999),
  username: (rng: Random): string => `${rng.pick(FIRST_NAMES)}${rng.int(1, 999)}@${rng.pick(MAIL_DOMAINS)}`,
  maskedEmail: (rng: Random): string => `${rng.chars('abcdefghijklmnopqrstuvwxyz', 1)}***@${rng.pick(MAIL_DOMAINS)}`,
  orderId: (rng: Random): string => `ORD-${rng.int(10000000, 99999999)}`,
  paymentId: (rng: Random): string => `pay_${rng.chars('ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789', 14)}`,
  sku: (rng: Random): string => `SKU-${rng.int(10000, 99999)}-${rng.pick(COLOURS)}`,
  clientIp: (rng: Random): string => `${rng.pick(CLIENT_FIRST_OCTETS)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
  amount: (rng: Random): string => (rng.int(499, 89999) / 100).toFixed(2),
  currency: (rng: Random): string => rng.pick(CURRENCIES),
  txId: (rng: Random): number => rng.int(1000000, 9999999),
  jti: (rng: Random): string => rng.hex(12),
  sessionId: (rng: Random): string => `sess_${rng.hex(16)}`,
  messageId: (rng: Random): string => `msg-${rng.hex(10)}`,
  authCode: (rng: Random): string => rng.chars('0123456789ABCDEF', 6),
  trackingNo: (rng: Random): string => `JD01460000${rng.int(10000000, 99999999)}`,
  warehouse: (rng: Random): string => rng.pick(['FRA-1', 'AMS-2', 'WAW-1', 'SHA-3', 'DUB-1']),
  category: (rng: Random): string => rng.pick(CATEGORIES),
  query: (rng: Random, language: Language): string => rng.pick(QUERIES[language]),
  locale: (rng: Random, language: Language): string => (language === 'zh' ? 'zh-CN' : rng.pick(['en-GB', 'en-US', 'de-DE', 'fr-FR'])),
  /** `123ms` or, from 10 s on, `12.3s`. */
  duration: (ms: number): string => (ms >= 10000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms)}ms`),
  /** An ISO time without milliseconds, as token claims print it. */
  isoSeconds: (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
};
