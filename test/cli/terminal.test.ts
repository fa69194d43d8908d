import { describe, expect, it } from 'vitest';
import { LinePrinter, escapeTerminal, formatBytes, writeJson } from '../../src/cli/terminal.js';

function sink(): { text: string; write(chunk: string): void } {
  return {
    text: '',
    write(chunk: string) {
      this.text += chunk;
    },
  };
}

describe('escapeTerminal', () => {
  it('leaves ordinary names, spaces, backslashes and non-Latin text unchanged', () => {
    for (const s of ['model.onnx', 'my model/v2.onnx', 'C:\\models\\a.onnx', 'модель_层.onnx', '/conv1/Conv']) {
      expect(escapeTerminal(s)).toBe(s);
    }
  });

  it('escapes newlines so a node name cannot forge a workflow command line', () => {
    expect(escapeTerminal('conv\n::warning::pwned')).toBe('conv\\n::warning::pwned');
    expect(escapeTerminal('a\r\nb')).toBe('a\\r\\nb');
  });

  it('escapes ESC so names cannot move the cursor or recolour the terminal', () => {
    expect(escapeTerminal('\x1b[2J\x1b]0;title\x07')).toBe('\\e[2J\\e]0;title\\x07');
  });

  it('escapes NUL, DEL and C1 controls as hex', () => {
    expect(escapeTerminal('a\x00b\x7fc\x9bd')).toBe('a\\x00b\\x7fc\\x9bd');
  });

  it('escapes bidirectional overrides and line separators that reorder or split displayed text', () => {
    expect(escapeTerminal('x\u202Ey\u2066z\u2028w')).toBe('x\\u{202e}y\\u{2066}z\\u{2028}w');
  });
});

describe('LinePrinter', () => {
  it('writes each text as exactly one escaped line', () => {
    const out = sink();
    new LinePrinter(out).lines(['first', 'evil\nsecond']);
    expect(out.text).toBe('first\nevil\\nsecond\n');
    expect(out.text.split('\n')).toHaveLength(3);
  });
});

describe('writeJson', () => {
  it('prints one parseable document whose strings keep control characters escaped', () => {
    const out = sink();
    writeJson(out, { node: 'a\nb\x1b' });
    expect(JSON.parse(out.text)).toEqual({ node: 'a\nb\x1b' });
    expect(out.text).not.toContain('\x1b');
  });
});

describe('formatBytes', () => {
  it('uses decimal units with one decimal below 100', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1_234_567)).toBe('1.2 MB');
    expect(formatBytes(102_400_000)).toBe('102 MB');
    expect(formatBytes(3_500_000_000)).toBe('3.5 GB');
  });
});
