import { describe, expect, it } from 'vitest';
import { ProgressLine } from '../src/progress.js';

function recorder(): { chunks: string[]; write(chunk: string): void } {
  return {
    chunks: [],
    write(chunk: string) {
      this.chunks.push(chunk);
    },
  };
}

describe('ProgressLine', () => {
  it('draws nothing when the stream is not a terminal', () => {
    const out = recorder();
    const line = new ProgressLine(out, { enabled: false });
    line.update('converting', 1, 10);
    line.update('converting', 10, 10);
    line.clear();
    expect(out.chunks).toEqual([]);
  });

  it('redraws one line in place with count and percentage', () => {
    const out = recorder();
    const line = new ProgressLine(out, { enabled: true, intervalMs: 0 });
    line.update('converting m.onnx', 25, 100);
    expect(out.chunks).toEqual(['\rconverting m.onnx  25/100  25%\x1b[K']);
  });

  it('throttles intermediate redraws but always shows completion', () => {
    const out = recorder();
    let now = 0;
    const line = new ProgressLine(out, { enabled: true, intervalMs: 100, now: () => now });
    line.update('x', 1, 4);
    now = 10;
    line.update('x', 2, 4);
    now = 20;
    line.update('x', 4, 4);
    expect(out.chunks.map((c) => c.replace('\x1b[K', ''))).toEqual(['\rx  1/4  25%', '\rx  4/4  100%']);
  });

  it('omits counts when the total is unknown', () => {
    const out = recorder();
    new ProgressLine(out, { enabled: true }).update('writing', 0, 0);
    expect(out.chunks).toEqual(['\rwriting\x1b[K']);
  });

  it('erases the line once on clear so later messages start clean', () => {
    const out = recorder();
    const line = new ProgressLine(out, { enabled: true });
    line.clear();
    line.update('x', 1, 2);
    line.clear();
    line.clear();
    expect(out.chunks.slice(1)).toEqual(['\r\x1b[K']);
  });
});
