import { describe, expect, it } from 'vitest';
import {
  ANOMALY_CATEGORIES,
  generateSequences,
  iterateSequences,
  LEVELS,
  MAX_LINES,
  MIN_LINES,
  SEQUENCE_CATEGORIES,
  type SyntheticSequence,
} from '../../src/synthetic/index.js';
import { ConfigError } from '../../src/util/errors.js';

const CJK = /[\u4e00-\u9fff]/;
// Words a keyword matcher would flag; clean controls must contain some of them.
const ALARMING = /timeout|timed out|retry|connection|permission|expired|circuit breaker|cache miss|heap|disk|errors|failures|failed/i;

const english = generateSequences({ count: 1200 });

function countBy(sequences: readonly SyntheticSequence[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of sequences) {
    const key = s.control ? 'control' : s.category;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('generateSequences', () => {
  it('gives byte-identical output for the same seed', () => {
    const again = generateSequences({ count: 1200 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(english));
  });

  it('gives different output for a different seed', () => {
    const other = generateSequences({ count: 50, seed: 43 });
    expect(other[0]?.lines[0]?.traceId).not.toBe(english[0]?.lines[0]?.traceId);
    expect(other.map((s) => s.lines.map((l) => l.body).join('\n'))).not.toEqual(english.slice(0, 50).map((s) => s.lines.map((l) => l.body).join('\n')));
  });

  it('yields the same sequences one at a time through iterateSequences', () => {
    const first = [...iterateSequences({ count: 40 })];
    expect(first).toEqual(generateSequences({ count: 40 }));
  });

  it(`keeps every sequence between ${MIN_LINES} and ${MAX_LINES} lines`, () => {
    for (const s of english) {
      expect(s.lines.length).toBeGreaterThanOrEqual(MIN_LINES);
      expect(s.lines.length).toBeLessThanOrEqual(MAX_LINES);
    }
  });

  it('gives every line of a sequence the same trace id and request id, and W3C-shaped ids', () => {
    const traceIds = new Set<string>();
    for (const s of english) {
      const first = s.lines[0];
      expect(first?.traceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
      expect(first?.attributes['request.id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      for (const line of s.lines) {
        expect(line.traceId).toBe(first?.traceId);
        expect(line.attributes['request.id']).toBe(first?.attributes['request.id']);
        expect(line.spanId).toMatch(/^(?!0{16})[0-9a-f]{16}$/);
      }
      traceIds.add(first?.traceId ?? '');
    }
    expect(traceIds.size).toBe(english.length);
  });

  it('writes LogEvent-shaped lines whose severity number matches the text', () => {
    for (const line of english.flatMap((s) => s.lines)) {
      expect(line.severityNumber).toBe(LEVELS[line.severityText as keyof typeof LEVELS]);
      expect(typeof line.resource['service.name']).toBe('string');
      expect(line.observedTime).toBeGreaterThanOrEqual(line.timestamp);
      expect(line.body).not.toMatch(/[{}]\w*[{}]|\n/);
    }
  });

  it('never lets timestamps go backwards within a sequence, and starts requests in order', () => {
    for (const s of english) {
      for (let i = 1; i < s.lines.length; i++) expect(s.lines[i]?.timestamp).toBeGreaterThanOrEqual(s.lines[i - 1]?.timestamp ?? 0);
    }
    const starts = english.map((s) => s.lines[0]?.timestamp ?? 0);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(starts[0]).toBeGreaterThanOrEqual(Date.parse('2025-03-03T09:00:00.000Z'));
  });

  it('matches the requested category shares', () => {
    const sequences = generateSequences({ count: 3000, anomalyRatio: 0.12, controlRatio: 0.05, seed: 5 });
    const counts = countBy(sequences);
    for (const category of ANOMALY_CATEGORIES) expect(counts.get(category)).toBe(60);
    expect(counts.get('control')).toBe(150);
    expect(counts.get('normal')).toBe(3000 - 360 - 150);
    expect(new Set(sequences.map((s) => s.id)).size).toBe(3000);
  });

  it('uses the default shares: about 10% anomalies split evenly and 5% controls', () => {
    const counts = countBy(english);
    for (const category of ANOMALY_CATEGORIES) expect(counts.get(category)).toBe(20);
    expect(counts.get('control')).toBe(60);
  });

  it('injects a visible failure into every anomalous sequence and none into normal ones', () => {
    const sequences = generateSequences({ count: 1200, anomalyRatio: 0.5, seed: 9 });
    for (const s of sequences) {
      if (s.category === 'normal') {
        expect(s.label).toBe(0);
        expect(s.failureIndex).toBeNull();
        continue;
      }
      expect(s.label).toBe(1);
      const failure = s.lines[s.failureIndex ?? -1];
      expect(failure, `${s.id} has no failure line`).toBeDefined();
      expect(failure?.severityNumber).toBeGreaterThanOrEqual(LEVELS.WARN);
      const last = s.lines[s.lines.length - 1];
      const error = s.lines.some((l) => l.severityNumber >= LEVELS.ERROR);
      const rejected = last?.resource['service.name'] === 'api-gateway' && /status [45]\d\d/.test(last.body);
      expect(error || rejected, `${s.id} shows no error`).toBe(true);
    }
  });

  it('lets failures end requests early with a 4xx/5xx at the gateway as well as degrade into fallbacks', () => {
    const sequences = generateSequences({ count: 1200, anomalyRatio: 0.5, seed: 9 }).filter((s) => s.label === 1);
    const failedAtGateway = sequences.filter((s) => /failed with status 5\d\d|rejected with status 4\d\d/.test(s.lines.at(-1)?.body ?? ''));
    const degraded = sequences.filter((s) => s.lines.some((l) => /serving fallback|instead|outbox|allowing request/.test(l.body)));
    expect(failedAtGateway.length).toBeGreaterThan(sequences.length / 3);
    expect(degraded.length).toBeGreaterThan(20);
  });

  it('varies the wording within each anomaly category', () => {
    const sequences = generateSequences({ count: 2400, anomalyRatio: 0.5, seed: 3 });
    for (const category of ANOMALY_CATEGORIES) {
      const shapes = new Set(
        sequences
          .filter((s) => s.category === category)
          .map((s) => (s.lines[s.failureIndex ?? 0]?.body ?? '').replace(/[\d.:/-]+|"[^"]*"|\[[^\]]*\]/g, '').slice(0, 40)),
      );
      expect(shapes.size, category).toBeGreaterThanOrEqual(8);
    }
  });

  it('labels clean controls normal although they contain alarming words', () => {
    const controls = english.filter((s) => s.control);
    expect(controls.length).toBeGreaterThan(0);
    for (const s of controls) {
      expect(s.label).toBe(0);
      expect(s.category).toBe('normal');
      expect(s.lines.some((l) => ALARMING.test(l.body)), s.id).toBe(true);
    }
  });

  it('includes succeeded retries in normal traffic', () => {
    const normal = english.filter((s) => s.label === 0);
    expect(normal.some((s) => s.lines.some((l) => /succeeded on retry/.test(l.body)))).toBe(true);
  });

  it('writes Chinese messages with the same variables when language is zh', () => {
    const zh = generateSequences({ count: 100, language: 'zh' });
    for (const s of zh) {
      expect(s.language).toBe('zh');
      expect(s.lines.every((l) => CJK.test(l.body))).toBe(true);
    }
    expect(zh.flatMap((s) => s.lines).some((l) => /用户 \d+ 登录成功，耗时 \d+ms/.test(l.body))).toBe(true);
  });

  it('mixes languages by service or by sequence', () => {
    const byService = generateSequences({ count: 200, language: 'mixed' });
    const chinese = new Map<string, Set<boolean>>();
    for (const line of byService.flatMap((s) => s.lines)) {
      const service = String(line.resource['service.name']);
      chinese.set(service, (chinese.get(service) ?? new Set()).add(CJK.test(line.body)));
    }
    // Each service keeps one language, and both languages occur.
    expect([...chinese.values()].every((seen) => seen.size === 1)).toBe(true);
    expect(new Set([...chinese.values()].map((seen) => [...seen][0]))).toEqual(new Set([true, false]));
    expect(byService.some((s) => s.language === 'mixed')).toBe(true);

    const bySequence = generateSequences({ count: 200, language: 'mixed', mixedBy: 'sequence' });
    expect(new Set(bySequence.map((s) => s.language))).toEqual(new Set(['en', 'zh']));
    for (const s of bySequence) expect(s.lines.every((l) => CJK.test(l.body) === (s.language === 'zh'))).toBe(true);
  });

  it('builds topologies of 5 to 10 services and only runs flows they support', () => {
    const small = generateSequences({ count: 200, services: 5 });
    const services = new Set(small.flatMap((s) => s.lines.map((l) => String(l.resource['service.name']))));
    expect(services.size).toBeLessThanOrEqual(5);
    expect(services.has('search-service')).toBe(false);
    const large = generateSequences({ count: 600, services: 10 });
    expect(new Set(large.map((s) => s.flow))).toContain('track_shipment');
    const listed = generateSequences({ count: 100, services: ['auth-service', 'user-service', 'cart-service', 'inventory-service'] });
    expect(new Set(listed.map((s) => s.flow))).toEqual(new Set(['login', 'view_profile', 'add_to_cart']));
  });

  it('rejects invalid options with a ConfigError naming the field', () => {
    expect(() => generateSequences({ services: 3 })).toThrow(ConfigError);
    expect(() => generateSequences({ anomalyRatio: 0.9, controlRatio: 0.2 })).toThrow(/controlRatio/);
    expect(() => generateSequences({ language: 'fr' as 'en' })).toThrow(/language/);
  });

  it('covers every category in a default-sized run', () => {
    expect(new Set(english.map((s) => s.category))).toEqual(new Set(SEQUENCE_CATEGORIES));
  });
});
