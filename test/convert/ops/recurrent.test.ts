import { describe, expect, it } from 'vitest';
import { makeTensor, toNumberList, type Tensor } from '../../../src/tensor/tensor.js';
import { node } from '../../helpers/onnx-graph.js';
import { convertNode, f32 } from './harness.js';

const H = 2;
const I = 3;

/** A weight whose every row r holds the value r, so moved rows are easy to see. */
function rowTagged(rows: number, cols: number): Tensor {
  return makeTensor('float32', [1, rows, cols], Float32Array.from({ length: rows * cols }, (_, i) => Math.floor(i / cols)));
}

function lstmNode(attrs: Record<string, number | string | string[]> = {}, inputs = ['x', 'w', 'r', 'b']) {
  return node('LSTM', inputs, ['y', 'yh', 'yc'], { hidden_size: H, ...attrs });
}

const weights = () => ({
  w: rowTagged(4 * H, I),
  r: rowTagged(4 * H, H),
  b: makeTensor('float32', [1, 8 * H], Float32Array.from({ length: 8 * H }, (_, i) => i)),
});

describe('LSTM converter', () => {
  it('re-stacks ONNX gates i, o, f, c into MIL order i, f, o, c', () => {
    const r = convertNode(lstmNode(), { x: f32(5, 4, I) }, weights());
    const op = r.op('lstm');
    const ih = r.param(op, 'weight_ih')!;
    expect(ih.shape).toEqual([4 * H, I]);
    // rows per gate block: i = 0,1  o = 2,3  f = 4,5  c = 6,7 in ONNX.
    const firstColumn = toNumberList(ih).filter((_, k) => k % I === 0);
    expect(firstColumn).toEqual([0, 1, 4, 5, 2, 3, 6, 7]);
    const hh = r.param(op, 'weight_hh')!;
    expect(toNumberList(hh).filter((_, k) => k % H === 0)).toEqual([0, 1, 4, 5, 2, 3, 6, 7]);
  });

  it('sums the input and recurrent biases before re-stacking', () => {
    const r = convertNode(lstmNode(), { x: f32(5, 4, I) }, weights());
    // Wb[k] + Rb[k] = k + (k + 8); then blocks i, f, o, c.
    const sums = Array.from({ length: 8 }, (_, k) => 2 * k + 8);
    const expected = [0, 1, 4, 5, 2, 3, 6, 7].map((k) => sums[k]);
    expect(toNumberList(r.param(r.op('lstm'), 'bias')!)).toEqual(expected);
  });

  it('gives Y [T, 1, B, H] and states [1, B, H] with zero initial states', () => {
    const r = convertNode(lstmNode(), { x: f32(5, 4, I) }, weights());
    expect(r.outType(0)).toEqual(f32(5, 1, 4, H));
    expect(r.outType(1)).toEqual(f32(1, 4, H));
    expect(r.outType(2)).toEqual(f32(1, 4, H));
    const op = r.op('lstm');
    expect(r.param(op, 'initial_h')!.shape).toEqual([4, H]);
    expect(r.paramValues(op, 'output_sequence')).toEqual([1]);
    expect(r.paramValues(op, 'recurrent_activation')).toEqual(['sigmoid']);
  });

  it('slices the direction axis off non-constant initial states', () => {
    const n = lstmNode({}, ['x', 'w', 'r', 'b', '', 'h0', 'c0']);
    const r = convertNode(n, { x: f32(5, 4, I), h0: f32(1, 4, H), c0: f32(1, 4, H) }, weights());
    const slices = r.ops.filter((o) => o.type === 'slice_by_index');
    expect(slices).toHaveLength(2);
    expect(r.paramValues(slices[0]!, 'squeeze_mask')).toEqual([1, 0, 0]);
    expect(r.op('lstm')).toBeDefined();
  });

  it('keeps the fused lstm for full-length sequence_lens and unrolls shorter ones with masks', () => {
    const lens = (v: number) => makeTensor('int32', [4], new Int32Array(4).fill(v));
    const n = lstmNode({}, ['x', 'w', 'r', 'b', 'len']);
    expect(convertNode(n, { x: f32(5, 4, I) }, { ...weights(), len: lens(5) }).ops.map((o) => o.type)).toContain('lstm');
    const short = convertNode(n, { x: f32(5, 4, I) }, { ...weights(), len: lens(3) });
    expect(short.ops.map((o) => o.type)).not.toContain('lstm');
    expect(short.outType(0)).toEqual(f32(5, 1, 4, H));
  });

  it('transposes batch-major input and output for layout 1', () => {
    const r = convertNode(lstmNode({ layout: 1 }), { x: f32(4, 5, I) }, weights());
    expect(r.ops.filter((o) => o.type === 'transpose')).toHaveLength(2);
    expect(r.outType(0)).toEqual(f32(4, 5, 1, H));
    expect(r.outType(1)).toEqual(f32(4, 1, H));
  });

  it('emits one fused lstm per direction: reverse, and forward + reverse for bidirectional', () => {
    const rev = convertNode(lstmNode({ direction: 'reverse' }), { x: f32(5, 4, I) }, weights());
    expect(rev.paramValues(rev.op('lstm'), 'direction')).toEqual(['reverse']);
    const two = (t: Tensor) => makeTensor('float32', [2, ...t.shape.slice(1)], Float32Array.from({ length: 2 * t.data.length }, (_, k) => Number(t.data[k % t.data.length])));
    const w = weights();
    const bi = convertNode(lstmNode({ direction: 'bidirectional' }), { x: f32(5, 4, I) }, { w: two(w.w), r: two(w.r), b: two(w.b) });
    const lstms = bi.ops.filter((o) => o.type === 'lstm');
    expect(lstms.map((o) => bi.paramValues(o, 'direction'))).toEqual([['forward'], ['reverse']]);
    expect(bi.outType(0)).toEqual(f32(5, 2, 4, H));
    expect(bi.outType(1)).toEqual(f32(2, 4, H));
  });

  it('unrolls clip, whose Core ML counterpart bounds the cell state instead of the gate inputs', () => {
    const r = convertNode(lstmNode({ clip: 0.5 }), { x: f32(5, 4, I) }, weights());
    expect(r.ops.map((o) => o.type)).not.toContain('lstm');
    expect(r.ops.filter((o) => o.type === 'clip').length).toBe(5 * 4);
  });

  it('unrolls an fp16 LSTM on iOS15, whose lstm is fp32 only, and fuses it on iOS17', () => {
    const half = (t: Tensor) => makeTensor('float16', t.shape, new Uint16Array(t.data.length));
    const w = weights();
    const inits = { w: half(w.w), r: half(w.r), b: half(w.b) };
    const old = convertNode(lstmNode(), { x: { dtype: 'float16', shape: [5, 4, I] } }, inits);
    expect(old.ops.map((o) => o.type)).not.toContain('lstm');
    const ios17 = convertNode(lstmNode(), { x: { dtype: 'float16', shape: [5, 4, I] } }, inits, { target: 'iOS17' });
    expect(ios17.ops.map((o) => o.type)).toContain('lstm');
  });
});
