import { describe, expect, it } from 'vitest';
import {
  escapeForLog,
  escapeMarkdown,
  escapeMarkdownCode,
  escapeWorkflowCommandData,
  quoteForShell,
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

describe('log and shell escaping', () => {
  it('shows terminal escape sequences instead of executing them', () => {
    expect(escapeForLog('name\u001b[2Jx')).toBe('name\\u001b[2Jx');
  });

  it('prevents workflow command injection through newlines', () => {
    expect(escapeWorkflowCommandData('x\n::set-output name=a::b')).toBe('x%0A::set-output name=a::b');
  });

  it('single-quotes for the shell', () => {
    expect(quoteForShell("it's; rm -rf /")).toBe(`'it'\\''s; rm -rf /'`);
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
