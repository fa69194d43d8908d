import { describe, expect, it } from 'vitest';
import { Deadline, ModelTimeoutError } from '../../src/run/deadline.js';

function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('Deadline', () => {
  it('passes checks until the limit and then throws a timeout naming the file and stage', () => {
    const c = clock();
    const d = new Deadline('m.onnx', 2, c.now);
    c.advance(1999);
    expect(() => d.check('converting fp16')).not.toThrow();
    c.advance(1);
    expect(() => d.check('converting fp16')).toThrow(ModelTimeoutError);
    expect(() => d.check('converting fp16')).toThrow('m.onnx: timed out after 2 s (per-model time limit) while converting fp16');
  });

  it('carried on in another thread, keeps what was left of the limit and names the whole limit', () => {
    const c = clock();
    const d = new Deadline('m.onnx', 10, c.now, 1500);
    c.advance(1499);
    expect(() => d.check('verifying fp16')).not.toThrow();
    c.advance(1);
    expect(() => d.check('verifying fp16')).toThrow('m.onnx: timed out after 10 s (per-model time limit) while verifying fp16');
    expect(new Deadline('m.onnx', undefined, c.now, 1500).remainingMs()).toBe(Infinity);
  });

  it('never expires without a limit, or with a limit that is not a positive number', () => {
    for (const seconds of [undefined, 0, -1, NaN, Infinity]) {
      const c = clock();
      const d = new Deadline('m.onnx', seconds, c.now);
      c.advance(1e12);
      expect(() => d.check('x')).not.toThrow();
      expect(d.remainingMs()).toBe(Infinity);
    }
  });

  it('rejects work that outlives the limit without waiting for it', async () => {
    const d = new Deadline('m.onnx', 0.02);
    const never = new Promise<number>(() => undefined);
    await expect(d.race(never, 'computing reference outputs')).rejects.toThrow(/while computing reference outputs/);
  });

  it('hands through the result of work that finishes in time', async () => {
    const d = new Deadline('m.onnx', 10);
    await expect(d.race(Promise.resolve(42), 'x')).resolves.toBe(42);
  });
});
