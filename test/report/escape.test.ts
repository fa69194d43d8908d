import { describe, expect, it } from 'vitest';
import {
  capEchoed,
  capJsonStrings,
  capName,
  MAX_ECHOED_TEXT,
  escapeForLog,
  escapeMarkdown,
  escapeMarkdownCode,
  truncateCodePoints,
} from '../../src/report/escape.js';

describe('escapeMarkdown', () => {
  it('breaks @mentions so nobody is pinged', () => {
    expect(escapeMarkdown('ping @octocat')).not.toMatch(/@octocat/);
  });

  it('cannot open links or images', () => {
    const out = escapeMarkdown('![x](https://evil.example/a.png) [y](javascript:alert(1))');
    expect(out).not.toMatch(/!\[|\]\(/);
    expect(out).not.toContain('https://');
  });

  it('cannot fake the hidden comment marker or inject HTML', () => {
    const out = escapeMarkdown('<!-- onnx-coreml-action --><img src=x>');
    expect(out).not.toContain('<');
    expect(out).not.toContain('-->');
  });

  it('cannot break out of a table cell or add rows', () => {
    const out = escapeMarkdown('a | b\n| c | d |');
    expect(out).not.toContain('\n');
    expect(out.replace(/\\\|/g, '')).not.toContain('|');
  });

  it('drops control and bidi characters and caps the length', () => {
    expect(escapeMarkdown('a\u0007b\u202ec')).toBe('abc');
    expect(Array.from(escapeMarkdown('x'.repeat(1000), 10)).length).toBeLessThanOrEqual(10);
  });
});

describe('escapeMarkdownCode', () => {
  it('uses a fence longer than any backtick run inside', () => {
    expect(escapeMarkdownCode('a``b')).toBe('```a``b```');
    expect(escapeMarkdownCode('`x')).toBe('`` `x ``');
  });

  it('keeps pipes from splitting a table cell', () => {
    expect(escapeMarkdownCode('a|b')).toBe('`a\\|b`');
  });
});

describe('log escaping', () => {
  it('shows terminal escape sequences instead of executing them', () => {
    expect(escapeForLog('name\u001b[2Jx')).toBe('name\\u001b[2Jx');
  });

  it('prevents workflow command injection through newlines', () => {
    expect(escapeForLog('x\n::set-output name=a::b')).not.toContain('\n');
  });
});

describe('truncateCodePoints', () => {
  it('never splits a surrogate pair', () => {
    const s = '😀'.repeat(10);
    const t = truncateCodePoints(s, 5);
    expect(Array.from(t)).toHaveLength(5);
    expect(t.endsWith('…')).toBe(true);
    expect(/[\ud800-\udbff]$/.test(t.slice(0, -1))).toBe(false);
  });
});

describe('capName and capEchoed', () => {
  it('keeps a name of 200 characters and cuts a longer one to 200, marked with an ellipsis and its length', () => {
    expect(capName('a'.repeat(200))).toBe('a'.repeat(200));
    expect(capName('b'.repeat(100_000))).toBe(`${'b'.repeat(200)}… (100000 characters)`);
  });

  it('counts code points, so an emoji is never split', () => {
    expect(capName('😀'.repeat(300))).toBe(`${'😀'.repeat(200)}… (300 characters)`);
  });

  it('cuts each long name inside a message and keeps the words around it', () => {
    const message = `node "${'x'.repeat(50_000)}" (Relu): something is wrong`;
    const capped = capEchoed(message);
    expect(capped).toBe(`node "${'x'.repeat(199)}… (50002 characters) (Relu): something is wrong`);
  });

  it('bounds a message of many short words as a whole', () => {
    const capped = capEchoed('ab '.repeat(100_000));
    expect(capped.length).toBeLessThan(MAX_ECHOED_TEXT + 40);
    expect(capped).toMatch(/… \(300000 characters\)$/);
  });

  it('caps JSON keys and values, and leaves numbers and short strings alone', () => {
    const long = 'k'.repeat(1000);
    expect(capJsonStrings({ [long]: 3, list: [long, 'ok', 1.5, null] })).toEqual({
      [capName(long)]: 3,
      list: [capName(long), 'ok', 1.5, null],
    });
  });
});
