import { describe, expect, it } from 'vitest';
import { compileMasks, DEFAULT_MASKS, TemplateMiner, type TemplateMinerOptions } from '../../src/templates/index.js';
import { InputError } from '../../src/util/errors.js';

/** The template a fresh miner makes of one message. */
function templateOf(message: string, options?: TemplateMinerOptions): string {
  const result = new TemplateMiner(options).add(message);
  expect(result, message).toBeDefined();
  return result!.template;
}

/** Asserts that both messages give `expected` and share one template id. */
function expectShared(a: string, b: string, expected: string, options?: TemplateMinerOptions): void {
  const miner = new TemplateMiner(options);
  const first = miner.add(a)!;
  const second = miner.add(b)!;
  expect(first.template).toBe(expected);
  expect(second).toEqual({ templateId: first.templateId, template: expected, change: 'matched' });
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('built-in masks', () => {
  it('masks an IPv4 address with its port, keeping the colon and a leading slash', () => {
    expectShared('connect to 10.0.0.1:50010 ok', 'connect to 192.168.201.7:8080 ok', 'connect to <*>:<*> ok');
    expect(templateOf('Received connection request /10.10.34.11:45307')).toBe('Received connection request /<*>:<*>');
    expect(templateOf('route 10.0.0.0/24 added')).toBe('route <*> added');
  });

  it('masks IPv6 addresses, compressed or in brackets, but not C++ scopes', () => {
    expectShared('listen on fe80::1ff:fe23:4567:890a now', 'listen on 2001:db8:85a3:0:0:8a2e:370:7334 now', 'listen on <*> now');
    expect(templateOf('bind [::1]:8080 ok')).toBe('bind [<*>]:<*> ok');
    expect(templateOf('in std::vector at')).toBe('in std::vector at');
  });

  it('masks a UUID', () => {
    expectShared(
      '[instance: b9000564-fe1a-409b-b8cc-1e88b294cd1d] Creating image',
      '[instance: 96abccce-8d1f-4e07-b6d1-4b2ab87e23b4] Creating image',
      '[instance: <*>] Creating image',
    );
  });

  it('masks 0x hex and long hex with digits', () => {
    expectShared('Processed session termination for sessionid: 0x14ede63a5a70002', 'Processed session termination for sessionid: 0x34ede65503f0010', 'Processed session termination for sessionid: <*>');
    expect(templateOf('commit 3f9a2c7e1b4d pushed')).toBe('commit <*> pushed');
    expect(templateOf('fault at 0x7F3A2B')).toBe('fault at <*>');
  });

  it('masks numbers with their sign and keeps the literal prefix (blk_-123 → blk_<*>)', () => {
    expectShared('Verification succeeded for blk_-4980916519894289629', 'Verification succeeded for blk_123', 'Verification succeeded for blk_<*>');
    expectShared('offset -12 applied', 'offset 7 applied', 'offset <*> applied');
    expect(templateOf('writing part-00001 now')).toBe('writing part-<*> now');
  });

  it('masks each side of a float (0.25 → <*>.<*>)', () => {
    expectShared('load 0.25 average', 'load 13.5 average', 'load <*>.<*> average');
  });

  it('masks an identifier with digits glued to letters in several places as one value', () => {
    // BGL node names: the colon separates two values, each all variable.
    expectShared('node R02-M1-N0-C:J12-U11 failed', 'node R17-M0-NC-I:J18-U01 failed', 'node <*>:<*> failed');
    expect(templateOf('Windows version v6.1.7601 found')).toBe('Windows version <*> found');
  });

  it('keeps names with one short digit run (utf8, SOCKS5, jk2_init, tty2)', () => {
    expect(templateOf('charset utf8 selected')).toBe('charset utf8 selected');
    expect(templateOf('183.62.156.108:22 open through proxy socks.cse.cuhk.edu.hk:5070 SOCKS5')).toBe('<*>:<*> open through proxy <*>:<*> SOCKS5');
    expect(templateOf('jk2_init() Found child 6725 in scoreboard slot 10')).toBe('jk2_init() Found child <*> in scoreboard slot <*>');
    expect(templateOf('ROOT LOGIN ON tty2')).toBe('ROOT LOGIN ON tty2');
  });

  it('masks a URL whole', () => {
    expectShared('GET https://api.example.com/v1/users?id=3 done', 'GET http://10.0.0.2:8080/health done', 'GET <*> done');
    expect(templateOf('Connecting to driver: spark://CoarseGrainedScheduler@10.10.34.11:48069')).toBe('Connecting to driver: <*>');
  });

  it('masks Unix paths of two or more segments and Windows paths, not a single segment', () => {
    expectShared('open /var/log/messages.1 failed', 'open /home/curi/.zookeeper failed', 'open <*> failed');
    expect(templateOf('open C:\\Windows\\System32\\kernel32.dll failed')).toBe('open <*> failed');
    expect(templateOf('mounted /etc read-only')).toBe('mounted /etc read-only');
  });

  it('masks a path that ends in a UUID without writing two wildcards in a row', () => {
    for (const line of [
      '[instance: b9000564-fe1a-409b-b8cc-1e88b294cd1d] Deleting instance files /var/lib/nova/instances/b9000564-fe1a-409b-b8cc-1e88b294cd1d_del',
      '10.11.10.1 "DELETE /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/b9000564-fe1a-409b-b8cc-1e88b294cd1d HTTP/1.1" status: 204 len: 203 time: 0.2534380',
      'Created local directory at /opt/hdfs/nodemanager/usercache/curi/appcache/application_1485248649253_0147/blockmgr-70293f72-844a-4b39-9ad6-fb0ad7e364e4',
    ]) {
      expect(templateOf(line), line).not.toContain('<*><*>');
    }
  });

  it('masks host names, alone or before a port, but not file names', () => {
    expectShared('resolve db01.prod.example.com failed', 'resolve cache.internal failed', 'resolve <*> failed');
    expect(templateOf('proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS')).toBe('<*>:<*> open through proxy <*>:<*> HTTPS');
    expect(templateOf('loaded config.js and main.py')).toBe('loaded config.js and main.py');
  });

  it('masks a duration with its unit', () => {
    expectShared('request took 35ms total', 'request took 1.5s total', 'request took <*> total');
    expect(templateOf('Expiring session 0x24ede63a01b003b, timeout of 10000ms exceeded')).toBe('Expiring session <*>, timeout of <*> exceeded');
  });

  it('masks a data size written as two tokens (2.1 KB → <*>)', () => {
    expectShared('received 2.1 KB from peer', 'received 700 MB from peer', 'received <*> from peer');
    expectShared('MemoryStore started with capacity 17.7 GB', 'MemoryStore started with capacity 512MiB', 'MemoryStore started with capacity <*>');
  });

  it('masks the name after "user" in prose, not the word "unknown" nor key=value', () => {
    expectShared('session opened for user alice', 'session opened for user news', 'session opened for user <*>');
    expect(templateOf('Invalid user admin from 103.99.0.122')).toBe('Invalid user <*> from <*>');
    expect(templateOf('check pass; user unknown')).toBe('check pass; user unknown');
    expect(templateOf('login: root')).toBe('login: <*>');
    expect(templateOf('user=bob logged in')).toBe('user=bob logged in');
  });

  it('masks weekday and month names of a date in the message', () => {
    expectShared(
      'connection from 24.54.76.216 (24-54-76-216.bflony.adelphia.net) at Fri Jun 17 07:07:00 2005',
      'connection from 82.252.162.81 (lns-vlq-45-tou-82-252-162-81.adsl.proxad.net) at Sun Jul 10 03:55:15 2005',
      'connection from <*> (<*>) at <*> <*> <*> <*>:<*>:<*> <*>',
    );
    expect(templateOf('Mon is a word only alone')).toBe('<*> is a word only alone');
    expect(templateOf('Monday comes')).toBe('Monday comes');
  });

  it('masks e-mail and MAC addresses', () => {
    expect(templateOf('mail to ops@example.org bounced')).toBe('mail to <*> bounced');
    expect(templateOf('link 00:1a:2b:3c:4d:5e up')).toBe('link <*> up');
  });

  it('runs only the masks given in `masks`', () => {
    expect(templateOf('connect to 10.0.0.1:50010 after 35ms', { masks: ['ipv4'] })).toBe('connect to <*>:50010 after 35ms');
    expect(templateOf('connect to 10.0.0.1:50010 after 35ms', { masks: [] })).toBe('connect to 10.0.0.1:50010 after 35ms');
    expect(templateOf('connect to 10.0.0.1:50010 after 35ms')).toBe('connect to <*>:<*> after <*>');
  });

  it('has the documented default order, with keyValue off', () => {
    expect(DEFAULT_MASKS).toEqual(['size', 'user', 'url', 'email', 'uuid', 'hostPort', 'hostname', 'ipv6', 'ipv4', 'mac', 'path', 'dateWord', 'hex', 'duration', 'number']);
    expect(templateOf('retry user=bob count=3')).toBe('retry user=bob count=<*>');
    expect(templateOf('retry user=bob count=3', { extraMasks: ['keyValue'] })).toBe('retry user=<*> count=<*>');
  });
});

describe('custom masks', () => {
  it('applies a regex rule from options before the built-ins', () => {
    expectShared('shipped order ORD-1234 to warehouse 7', 'shipped order ORD-98 to warehouse 12', 'shipped order <*> to warehouse <*>', {
      extraMasks: [{ name: 'order', pattern: 'ORD-[0-9]+' }],
    });
    // Without the rule the number mask keeps the prefix.
    expect(templateOf('shipped order ORD-1234 to warehouse 7')).toBe('shipped order ORD-<*> to warehouse <*>');
  });

  it('writes the replacement of a rule', () => {
    expect(templateOf('shipped order ORD-1234', { extraMasks: [{ name: 'order', pattern: 'ORD-[0-9]+', replacement: '<order>' }] })).toBe('shipped order <order>');
  });

  it('rejects an unknown built-in mask name with an InputError listing the known ones', () => {
    expect(() => compileMasks(['ipv5'])).toThrow(InputError);
    expect(() => new TemplateMiner({ masks: ['ipv4', 'ipv5'] })).toThrow(/unknown built-in mask "ipv5"; known masks: .*ipv4.*number/);
    expect(thrown(() => compileMasks(['ipv5']))).toMatchObject({ name: 'InputError', code: 'INPUT_INVALID' });
  });

  it('rejects an invalid regular expression with an InputError naming the mask and the pattern', () => {
    const bad = { name: 'order', pattern: 'ORD-([0-9' };
    expect(() => new TemplateMiner({ extraMasks: [bad] })).toThrow(InputError);
    expect(() => compileMasks([bad])).toThrow('mask "order": invalid regular expression /ORD-([0-9/');
  });
});
