import { describe, expect, it } from 'vitest';
import { fromSnapshot, TemplateMiner, templateIdOf, toSnapshot } from '../../src/templates/index.js';
import { allMessages } from './loghubExcerpt.js';

// Real OpenStack lines (Loghub, events E15 and E14) that differ in one constant word out of ten:
// at the default threshold 0.9 they make one template.
const SPAWN = '[instance: b9000564-fe1a-409b-b8cc-1e88b294cd1d] Took 19.05 seconds to spawn the instance on the hypervisor.';
const DESTROY = '[instance: 17288ea8-cbf4-4f0e-94fe-853fd2735f29] Took 1.03 seconds to destroy the instance on the hypervisor.';
const TOOK = '[instance: <*>] Took <*>.<*> seconds to <*> the instance on the hypervisor.';

describe('TemplateMiner', () => {
  describe('similarity', () => {
    it('keeps apart lines that differ in one constant word of a short template', () => {
      const miner = new TemplateMiner();
      const started = miner.add('[instance: b9000564-fe1a-409b-b8cc-1e88b294cd1d] VM Started (Lifecycle Event)')!;
      const paused = miner.add('[instance: b9000564-fe1a-409b-b8cc-1e88b294cd1d] VM Paused (Lifecycle Event)')!;
      const resumed = miner.add('[instance: 96abccce-8d1f-4e07-b6d1-4b2ab87e23b4] VM Resumed (Lifecycle Event)')!;
      expect(new Set([started.templateId, paused.templateId, resumed.templateId]).size).toBe(3);
      expect([started, paused, resumed].map((r) => r.change)).toEqual(['created', 'created', 'created']);
      expect(paused.template).toBe('[instance: <*>] VM Paused (Lifecycle Event)');
      expect(miner.add('cupsd shutdown succeeded')!.templateId).not.toBe(miner.add('cupsd startup succeeded')!.templateId);
    });

    it('generalises a long template where one constant word of ten differs (threshold 0.9)', () => {
      const miner = new TemplateMiner();
      const spawn = miner.add(SPAWN)!;
      const destroy = miner.add(DESTROY)!;
      expect(spawn.template).toBe('[instance: <*>] Took <*>.<*> seconds to spawn the instance on the hypervisor.');
      expect(destroy).toEqual({ templateId: templateIdOf(TOOK), template: TOOK, change: 'updated' });
      expect(miner.size).toBe(1);
    });

    it('keeps them apart with a stricter similarityThreshold', () => {
      const miner = new TemplateMiner({ similarityThreshold: 0.95 });
      expect(miner.add(SPAWN)!.templateId).not.toBe(miner.add(DESTROY)!.templateId);
      expect(miner.size).toBe(2);
    });

    it('never splits a template on masked values, however many differ', () => {
      const miner = new TemplateMiner();
      const lines = [
        '10.251.194.213:50010 Served block blk_-7724713468912166542 to /10.251.203.80',
        '10.251.91.229:50010 Served block blk_-3358448553918665902 to /10.251.91.229',
        'dn-7.example.com:9866 Served block blk_42 to /fe80::1',
      ];
      const results = lines.map((line) => miner.add(line)!);
      expect(results.map((r) => r.change)).toEqual(['created', 'matched', 'matched']);
      expect(results[2]!.template).toBe('<*>:<*> Served block blk_<*> to /<*>');
      // A short message made only of values is one template too.
      expect(miner.add('1 2 3')!.templateId).toBe(miner.add('400 -5 6.0')!.templateId);
    });

    it('files messages of different lengths apart', () => {
      const miner = new TemplateMiner();
      expect(miner.add('session closed for user cyrus')!.templateId).not.toBe(miner.add('session closed for user cyrus now')!.templateId);
    });
  });

  describe('maxClusters', () => {
    const A = 'cupsd shutdown succeeded';
    const B = 'cupsd startup succeeded';
    const C = 'check pass; user unknown';
    const D = 'session closed for user cyrus';

    it('evicts the least recently matched template past maxClusters and counts it', () => {
      const miner = new TemplateMiner({ maxClusters: 3 });
      const a = miner.add(A)!;
      const b = miner.add(B)!;
      const c = miner.add(C)!;
      expect(miner.add(A)!.change).toBe('matched');
      const d = miner.add(D)!;
      expect(d.change).toBe('created');
      expect(miner.size).toBe(3);
      expect(miner.evictions).toBe(1);
      expect(miner.get(b.templateId)).toBeUndefined();
      expect(miner.get(a.templateId)?.count).toBe(2);
      expect(miner.get(c.templateId)).toBeDefined();
      expect(miner.get(d.templateId)).toBeDefined();
      // B comes back as new and now C, the least recently used, goes.
      expect(miner.add(B)).toEqual({ templateId: b.templateId, template: B, change: 'created' });
      expect(miner.evictions).toBe(2);
      expect(miner.get(c.templateId)).toBeUndefined();
      expect(miner.templates().map((t) => t.id).sort()).toEqual([a.templateId, b.templateId, d.templateId].sort());
    });

    it('counts matching by match() as use', () => {
      const miner = new TemplateMiner({ maxClusters: 2 });
      const a = miner.add(A)!;
      const b = miner.add(B)!;
      expect(miner.match(A)?.templateId).toBe(a.templateId);
      miner.add(C);
      expect(miner.get(a.templateId)).toBeDefined();
      expect(miner.get(b.templateId)).toBeUndefined();
    });

    it('keeps every template with maxClusters 0', () => {
      const miner = new TemplateMiner({ maxClusters: 0 });
      for (const line of allMessages()) miner.add(line);
      expect(miner.size).toBeGreaterThan(40);
      expect(miner.evictions).toBe(0);
    });
  });

  describe('match-only', () => {
    it('returns undefined for an unknown line with learn: false and creates nothing', () => {
      const miner = new TemplateMiner({ learn: false });
      expect(miner.add('Verification succeeded for blk_-4980916519894289629')).toBeUndefined();
      expect(miner.size).toBe(0);
      expect(miner.templates()).toEqual([]);
    });

    it('matches known lines but does not generalise with learn: false', () => {
      const miner = new TemplateMiner();
      const spawn = miner.add(SPAWN)!;
      miner.learn = false;
      expect(miner.add('[instance: 96abccce-8d1f-4e07-b6d1-4b2ab87e23b4] Took 20.71 seconds to spawn the instance on the hypervisor.')).toEqual({ ...spawn, change: 'matched' });
      // Similar enough to join, but the template stays as it was.
      expect(miner.add(DESTROY)).toEqual({ ...spawn, change: 'matched' });
      expect(miner.templates()).toEqual([{ id: spawn.templateId, text: spawn.template, count: 3, previousIds: [] }]);
    });

    it('match() never learns', () => {
      const miner = new TemplateMiner();
      expect(miner.match('Verification succeeded for blk_-4980916519894289629')).toBeUndefined();
      expect(miner.size).toBe(0);
      const known = miner.add('Verification succeeded for blk_-4980916519894289629')!;
      expect(miner.match('Verification succeeded for blk_123')).toEqual({ ...known, change: 'matched' });
      // One differing constant word of ten is close enough for add(), not for match().
      miner.add(SPAWN);
      expect(miner.match(DESTROY)).toBeUndefined();
      expect(miner.size).toBe(2);
      expect(miner.templates().every((t) => t.previousIds.length === 0)).toBe(true);
    });

    it('match() finds the template of every Loghub line it was built from', () => {
      const miner = new TemplateMiner();
      const lines = allMessages();
      for (const line of lines) miner.add(line);
      miner.learn = false;
      for (const line of lines) {
        const added = miner.add(line);
        expect(miner.match(line), line).toEqual(added);
      }
    });

    it('match() finds a generalised template for the lines that built it', () => {
      const miner = new TemplateMiner();
      miner.add(SPAWN);
      const took = miner.add(DESTROY)!;
      expect(took.template).toBe(TOOK);
      expect(miner.match(SPAWN)?.templateId).toBe(took.templateId);
      expect(miner.match(DESTROY)?.templateId).toBe(took.templateId);
    });
  });

  describe('template ids', () => {
    it('is a deterministic 64-bit hex hash of the template text', () => {
      expect(templateIdOf('Receiving block blk_<*> src: /<*>:<*> dest: /<*>:<*>')).toBe(templateIdOf('Receiving block blk_<*> src: /<*>:<*> dest: /<*>:<*>'));
      expect(templateIdOf('Receiving block blk_<*> src: /<*>:<*> dest: /<*>:<*>')).toMatch(/^[0-9a-f]{16}$/);
      expect(templateIdOf('cupsd shutdown succeeded')).not.toBe(templateIdOf('cupsd startup succeeded'));
      // FNV-1a offset bases: the id of the empty text is fixed by the algorithm.
      expect(templateIdOf('')).toBe('811c9dc5cbf29ce4');
    });

    it('gives the same ids to the same template text in two miners fed in different orders', () => {
      const lines = allMessages();
      const forward = new TemplateMiner();
      const backward = new TemplateMiner();
      for (const line of lines) forward.add(line);
      for (const line of [...lines].reverse()) backward.add(line);
      const pairs = (miner: TemplateMiner): string[] => miner.templates().map((t) => `${t.id} ${t.text}`).sort();
      expect(pairs(backward)).toEqual(pairs(forward));
      for (const t of forward.templates()) expect(t.id).toBe(templateIdOf(t.text));
      for (const line of lines) expect(backward.match(line)?.templateId, line).toBe(forward.match(line)?.templateId);
    });

    it('records the earlier id when a template is generalised, and get() finds it by either id', () => {
      // Real Proxifier lines: a host without a dot is not a host name to the masks, so the first
      // token of the second line is a constant that the template then generalises.
      const miner = new TemplateMiner();
      const first = miner.add('223.167.104.147:80 error : Could not connect to proxy proxy.cse.cuhk.edu.hk:5070 - Could not resolve proxy.cse.cuhk.edu.hk error 11001')!;
      const second = miner.add('awqiizxequsixgr:80 error : Could not connect to proxy proxy.cse.cuhk.edu.hk:5070 - Could not resolve proxy.cse.cuhk.edu.hk error 11001')!;
      expect(first.template).toBe('<*>:<*> error : Could not connect to proxy <*>:<*> - Could not resolve <*> error <*>');
      expect(second.change).toBe('updated');
      expect(second.template).toBe('<*> error : Could not connect to proxy <*>:<*> - Could not resolve <*> error <*>');
      expect(second.templateId).not.toBe(first.templateId);
      const template = { id: second.templateId, text: second.template, count: 2, previousIds: [first.templateId] };
      expect(miner.get(second.templateId)).toEqual(template);
      expect(miner.get(first.templateId)).toEqual(template);
      expect(miner.templates()).toEqual([template]);
      expect(miner.get('0000000000000000')).toBeUndefined();
    });
  });

  describe('robustness', () => {
    it('does not throw on empty, blank, huge, binary or all-number messages', () => {
      const miner = new TemplateMiner();
      const huge = `GET /search?q=${'x'.repeat(100_000)} took 35ms`;
      const manyTokens = 'a '.repeat(50_000);
      const junk = '\u0000\u0001\u0007\u007f\ufffd\ud800 ÿþ \u001b[31mred\u001b[0m';
      for (const message of ['', '   \t  ', huge, manyTokens, junk, '1 2 3 4 5 6 7 8 9 10', '<*> <*>', '💥🔥 emoji ok']) {
        expect(() => miner.add(message), JSON.stringify(message.slice(0, 40))).not.toThrow();
        expect(() => miner.match(message)).not.toThrow();
      }
      expect(miner.add('1 2 3 4 5 6 7 8 9 10')!.template).toBe('<*> <*> <*> <*> <*> <*> <*> <*> <*> <*>');
      expect(miner.add(huge)!.template).toBe(`GET /search?q=${'x'.repeat(100_000)} took <*>`);
      // An empty and a blank message both have no tokens: one template with empty text.
      expect(miner.add('')!.templateId).toBe(miner.add(' \t ')!.templateId);
    });
  });
});

describe('TemplateMiner across token counts', () => {
  // Proxifier (Loghub): the same event with and without the optional "(1.17 KB)" parts.
  const SHORT = 'proxy.cse.cuhk.edu.hk:5070 close, 403 bytes sent, 426 bytes received, lifetime <1 sec';
  const LONG = 'proxy.cse.cuhk.edu.hk:5070 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, lifetime 00:02';

  it('joins a message whose optional values change its token count to the template of its event', () => {
    const miner = new TemplateMiner();
    const first = miner.add(SHORT)!;
    expect(miner.add(LONG)?.templateId).toBe(first.templateId);
    expect(miner.size).toBe(1);
    expect(miner.match(LONG)?.templateId).toBe(first.templateId);
  });

  it('keeps apart messages of other lengths whose constant words differ', () => {
    const miner = new TemplateMiner();
    const a = miner.add('connection closed by peer 10.0.0.1')!;
    const b = miner.add('connection closed by remote peer 10.0.0.1 (timeout)')!;
    expect(b.templateId).not.toBe(a.templateId);
  });

  it('never joins messages made of values alone across lengths', () => {
    const miner = new TemplateMiner();
    const a = miner.add('12 34')!;
    const b = miner.add('12 34 56')!;
    expect(b.templateId).not.toBe(a.templateId);
  });
});

describe('TemplateMiner words that are values (variableAfter)', () => {
  const METHODS = ['card', 'paypal', 'apple_pay', 'sepa_debit', 'klarna', 'ideal', 'giropay'];
  const capture = (method: string, i: number): string => `Capturing ${10 + i}.50 EUR for order ORD-${1000 + i} via ${method}`;

  it('merges six templates that differ only in one word into one with <*> there', () => {
    const miner = new TemplateMiner();
    const ids = METHODS.slice(0, 5).map((m, i) => miner.add(capture(m, i))!.templateId);
    expect(new Set(ids).size).toBe(5);
    const sixth = miner.add(capture(METHODS[5]!, 5))!;
    expect(sixth.template).toBe('Capturing <*>.<*> EUR for order ORD-<*> via <*>');
    expect(miner.size).toBe(1);
    expect(miner.templates()[0]!.count).toBe(6);
    for (const id of ids) expect(miner.get(id)?.id).toBe(sixth.templateId);
    // A new method now matches at once.
    expect(miner.add(capture(METHODS[6]!, 6))?.templateId).toBe(sixth.templateId);
    expect(miner.match(capture('bank_transfer', 7))?.templateId).toBe(sixth.templateId);
  });

  it('keeps a few alternatives of one word apart: they are different events', () => {
    const miner = new TemplateMiner();
    const uuid = 'b9000564-fe1a-409b-b8cc-1e88b294cd1d';
    const ids = ['Started', 'Paused', 'Resumed', 'Stopped'].map((state) => miner.add(`[instance: ${uuid}] VM ${state} (Lifecycle Event)`)!.templateId);
    expect(new Set(ids).size).toBe(4);
  });

  it('does not judge a word with too little context around it', () => {
    const miner = new TemplateMiner();
    const commands = ['boot', 'wait', 'risBoot', 'clusterAddMember', 'bootGenvmunix', 'halt', 'reboot'];
    const ids = commands.map((c, i) => miner.add(`${c}  (command ${2000 + i})`)!.templateId);
    expect(new Set(ids).size).toBe(commands.length);
  });

  it('is off with variableAfter 0', () => {
    const miner = new TemplateMiner({ variableAfter: 0 });
    METHODS.forEach((m, i) => miner.add(capture(m, i)));
    expect(miner.size).toBe(METHODS.length);
  });

  it('keeps the rule and its merges in a snapshot', () => {
    const miner = new TemplateMiner({ variableAfter: 3 });
    METHODS.slice(0, 3).forEach((m, i) => miner.add(capture(m, i)));
    const restored = fromSnapshot(JSON.parse(JSON.stringify(toSnapshot(miner))));
    expect(restored.variableAfter).toBe(3);
    expect(restored.add(capture('klarna', 9))?.template).toBe('Capturing <*>.<*> EUR for order ORD-<*> via <*>');
  });

  it('stays fast on a message of thousands of words', () => {
    const miner = new TemplateMiner();
    const words = Array.from({ length: 5000 }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}x${i % 7}`).join(' ');
    const started = performance.now();
    for (let i = 0; i < 5; i++) miner.add(`${words} tail${i % 2}`);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('TemplateMiner.templatesByAnyId', () => {
  it('resolves an id recorded before a template generalised to the template now', () => {
    const miner = new TemplateMiner();
    const first = miner.add('cupsd shutdown succeeded for print queue alpha on node one')!;
    const later = miner.add('cupsd shutdown succeeded for print queue beta on node one')!;
    expect(later.templateId).not.toBe(first.templateId);
    const byId = miner.templatesByAnyId();
    expect(byId.get(first.templateId)?.id).toBe(later.templateId);
    expect(byId.get(later.templateId)?.text).toBe('cupsd shutdown succeeded for print queue <*> on node one');
  });
});
