import { describe, expect, it } from 'vitest';
import { LOG_FORMAT_PRESETS, compileLogFormat, compileRegexFormat, resolveFormat } from '../../src/ingest/index.js';
import { InputError } from '../../src/util/errors.js';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('compileLogFormat', () => {
  it('splits a line into header fields and Content', () => {
    const parser = compileLogFormat('<Date> <Time> <Pid> <Level> <Component>: <Content>');
    expect(parser.fieldNames).toEqual(['Date', 'Time', 'Pid', 'Level', 'Component']);
    expect(parser.parse('081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_1 terminating')).toEqual({
      fields: { Date: '081109', Time: '203615', Pid: '148', Level: 'INFO', Component: 'dfs.DataNode$PacketResponder' },
      content: 'PacketResponder 1 for block blk_1 terminating',
    });
  });

  it('lets a run of spaces in the format match any run of whitespace', () => {
    const parser = compileLogFormat('<Level>   <Content>');
    expect(parser.parse('WARN \t  disk almost full')?.content).toBe('disk almost full');
  });

  it('keeps the last field greedy so Content may contain the separators', () => {
    const parser = compileLogFormat('<Level>: <Content>');
    expect(parser.parse('ERROR: failed: timeout: 30s')).toEqual({ fields: { Level: 'ERROR' }, content: 'failed: timeout: 30s' });
  });

  it('trims the line before matching, as logparser does', () => {
    expect(compileLogFormat('<Level> <Content>').parse('  INFO trailing space   ')?.content).toBe('trailing space');
  });

  it('anchors the match: a line that does not fit the whole format is rejected', () => {
    const parser = compileLogFormat(String.raw`\[<Time>\] \[<Level>\] <Content>`);
    expect(parser.parse('[Sun Dec 04 04:47:44 2005] [notice] ok')).toBeDefined();
    expect(parser.parse('Sun Dec 04 04:47:44 2005 notice ok')).toBeUndefined();
    expect(parser.parse('')).toBeUndefined();
  });

  it('uses the text between fields as regex source (logparser convention): optional groups, escapes', () => {
    const parser = compileLogFormat(String.raw`<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>`);
    expect(parser.parse('Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown')).toEqual({
      fields: { Month: 'Jun', Date: '14', Time: '15:16:01', Level: 'combo', Component: 'sshd(pam_unix)', PID: '19939' },
      content: 'check pass; user unknown',
    });
    // An optional field that did not match is absent, not an empty string.
    expect(parser.parse('Jun 15 04:06:20 combo logrotate: ALERT exited abnormally with [1]')).toEqual({
      fields: { Month: 'Jun', Date: '15', Time: '04:06:20', Level: 'combo', Component: 'logrotate' },
      content: 'ALERT exited abnormally with [1]',
    });
  });

  it('keeps a lone \\r or U+2028 inside the message', () => {
    expect(compileLogFormat('<Level> <Content>').parse('INFO 10%\r20%\u2028done')?.content).toBe('10%\r20%\u2028done');
  });

  it('gives the same split as a plain lazy regex would (logparser) on lines that fit', () => {
    const parser = compileLogFormat(String.raw`<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>`);
    expect(parser.parse('2015-07-29 19:04:12,394 - INFO  [/10.10.34.11:3888:QuorumCnxManager$Listener@493] - Received connection request /10.10.34.11:45307')).toEqual({
      fields: { Date: '2015-07-29', Time: '19:04:12,394', Level: 'INFO', Node: '/10.10.34.11', Component: '3888:QuorumCnxManager$Listener', Id: '493' },
      content: 'Received connection request /10.10.34.11:45307',
    });
  });

  it.each(Object.keys(LOG_FORMAT_PRESETS))('rejects a hostile 60 kB line quickly with the %s preset (no catastrophic backtracking)', (preset) => {
    const parser = resolveFormat(preset);
    // Plain lazy groups take 12 s on 200 such words against HDFS, and grow as n^fields.
    const hostile = ['w '.repeat(30_000), 'Jun 14 15:16:01 combo ' + '[a]'.repeat(20_000), `x ${'[ : @ | , - '.repeat(5_000)}x`];
    const started = performance.now();
    for (const line of hostile) parser.parse(line);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('accepts field names that are not JavaScript identifiers', () => {
    const parser = compileLogFormat('<log-level> <thread id> <Content>');
    expect(parser.parse('INFO main-1 started')).toEqual({ fields: { 'log-level': 'INFO', 'thread id': 'main-1' }, content: 'started' });
  });

  it('finds Content in any case', () => {
    expect(compileLogFormat('<Level> <content>').parse('INFO hello')).toEqual({ fields: { Level: 'INFO' }, content: 'hello' });
  });

  it.each([
    ['no fields at all', 'just some text', /has no <Field> placeholders/],
    ['no Content field', '<Date> <Time> <Level>', /has no <Content> field/],
    ['a repeated field', '<Level> <Level> <Content>', /names the field <Level> twice/],
    ['an unbalanced parenthesis', '<Level> (<Component> <Content>', /not a valid regular expression.*escape/],
    ['a field caught inside an unescaped [ ]', '<Date> [<Level>] <Content>', /<Level> ended up inside a regex construct.*\\\[/],
  ])('rejects a format with %s with an InputError that says what to do', (_, format, message) => {
    const error = thrown(() => compileLogFormat(format));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(format);
  });
});

describe('compileRegexFormat', () => {
  it('uses the named groups as fields and the content group as the message', () => {
    const parser = compileRegexFormat('^(?<ts>\\S+) (?<level>[A-Z]+) (?<content>.*)$');
    expect(parser.fieldNames).toEqual(['ts', 'level']);
    expect(parser.parse('2024-01-01T00:00:00Z WARN low disk')).toEqual({ fields: { ts: '2024-01-01T00:00:00Z', level: 'WARN' }, content: 'low disk' });
    expect(parser.parse('garbage')).toBeUndefined();
  });

  it("accepts Python's (?P<name>…) syntax", () => {
    const parser = compileRegexFormat('^(?P<Level>\\w+) (?P<Content>.*)$');
    expect(parser.parse('INFO up')).toEqual({ fields: { Level: 'INFO' }, content: 'up' });
  });

  it('rejects a pattern without a content group, and one that does not compile', () => {
    expect(thrown(() => compileRegexFormat('^(?<level>\\w+) (.*)$')).message).toMatch(/no named group "content"/);
    const error = thrown(() => compileRegexFormat('^(?<content>.*'));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/not a valid regular expression/);
  });
});

describe('resolveFormat', () => {
  it('resolves raw, presets, format strings and regex: forms', () => {
    expect(resolveFormat('raw').parse('any line at all')).toEqual({ fields: {}, content: 'any line at all' });
    expect(resolveFormat('Spark').parse('17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls to: yarn,curi')?.content).toBe('Changing view acls to: yarn,curi');
    expect(resolveFormat('<Level> <Content>').parse('INFO x')?.fields).toEqual({ Level: 'INFO' });
    expect(resolveFormat('regex:^(?<content>.*)$').format).toBe('regex:^(?<content>.*)$');
  });

  it('rejects an unknown name, listing what a format may be', () => {
    const error = thrown(() => resolveFormat('hdfs2'));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/unknown log format "hdfs2": expected raw, json, a preset \(Apache, BGL, .*Zookeeper\), a format string/);
  });

  it('points json users to the JSON decoder', () => {
    expect(thrown(() => resolveFormat('json')).message).toMatch(/json is not a header format/);
  });
});
