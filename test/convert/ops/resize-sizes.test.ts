import { describe, expect, it } from 'vitest';
import { convertOnnxModel } from '../../../src/convert/index.js';
import { mainFunction, type MilOperation } from '../../../src/mil/ir.js';
import { makeTensor, toNumberList } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';

/**
 * Resize whose sizes are computed at run time from shapes, the way PyTorch exports
 * F.interpolate(size=...) with a dynamic batch: sizes = Concat(Shape(y)[0:2], Shape(x)[2:4]).
 */

const i64 = (...v: number[]) => makeTensor('int64', [v.length], BigInt64Array.from(v.map(BigInt)));

/** Resizes y to the spatial size of x, taking y's own leading dims from `leadingFrom`. */
function interpolateToSizeOf(shapes: { x: (number | string)[]; y: (number | string)[] }, leadingFrom = 'y', mode = 'linear') {
  return model({
    nodes: [
      node('Shape', [leadingFrom], ['sy']),
      node('Slice', ['sy', 'zero', 'two', 'zero'], ['lead']),
      node('Shape', ['x'], ['sx']),
      node('Gather', ['sx', 'h_axis'], ['h'], { axis: 0 }),
      node('Gather', ['sx', 'w_axis'], ['w'], { axis: 0 }),
      node('Concat', ['h', 'w'], ['hw'], { axis: 0 }),
      node('Concat', ['lead', 'hw'], ['sizes'], { axis: 0 }),
      node('Resize', ['y', '', '', 'sizes'], ['z'], { mode, coordinate_transformation_mode: mode === 'linear' ? 'half_pixel' : 'asymmetric', nearest_mode: 'floor' }),
    ],
    inputs: [valueInfo('x', 'float32', shapes.x), valueInfo('y', 'float32', shapes.y), valueInfo('other', 'float32', ['n', 5, 4, 4])],
    outputs: [valueInfo('z', 'float32', [null, null, null, null])],
    initializers: { zero: i64(0), two: i64(2), h_axis: i64(2), w_axis: i64(3) },
    opset: 13,
  });
}

function resizeOp(ops: readonly MilOperation[], type: string): MilOperation {
  const op = ops.find((o) => o.type === type);
  if (!op) throw new Error(`no ${type} among ${ops.map((o) => o.type).join(', ')}`);
  return op;
}

function convert(m: ReturnType<typeof model>) {
  const fn = mainFunction(convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' }).model.program);
  const constOf = (op: MilOperation, param: string): number[] => {
    const binding = op.inputs[param]?.[0];
    const c = fn.block.operations.find((o) => o.type === 'const' && binding?.kind === 'name' && o.outputs[0]!.name === binding.name);
    return toNumberList(c!.attributes['val']!);
  };
  return { ops: fn.block.operations, constOf };
}

describe('Resize with sizes computed from shapes', () => {
  it('resizes to the static spatial size of another tensor while the batch stays dynamic', () => {
    const { ops, constOf } = convert(interpolateToSizeOf({ x: ['batch', 3, 12, 10], y: ['batch', 5, 4, 4] }));
    const op = resizeOp(ops, 'resize_bilinear');
    expect(constOf(op, 'target_size_height')).toEqual([12]);
    expect(constOf(op, 'target_size_width')).toEqual([10]);
    expect(op.outputs[0]!.type.shape).toEqual([null, 5, 12, 10]);
  });

  it('picks integer nearest upsampling when the computed size is a whole multiple (FPN top-down path)', () => {
    const { ops, constOf } = convert(interpolateToSizeOf({ x: ['batch', 3, 8, 8], y: ['batch', 5, 4, 4] }, 'y', 'nearest'));
    const op = resizeOp(ops, 'upsample_nearest_neighbor');
    expect(constOf(op, 'scale_factor_height')).toEqual([2]);
  });

  it('resizes to sizes only known at run time with iOS17 resize, raising the target with a warning', () => {
    const converted = convertOnnxModel(interpolateToSizeOf({ x: ['batch', 3, 'h', 'w'], y: ['batch', 5, 4, 4] }), { target: 'iOS15', precision: 'fp32' });
    expect(converted.target).toBe('iOS17');
    expect(converted.warnings[0]).toMatch(/raised from iOS15 to iOS17/);
    const fn = mainFunction(converted.model.program);
    const op = resizeOp(fn.block.operations, 'resize');
    expect(op.outputs[0]!.type.shape).toEqual([null, 5, null, null]);
  });

  it('refuses leading sizes taken from another tensor, which could resize the batch', () => {
    expect(() => convert(interpolateToSizeOf({ x: ['batch', 3, 8, 8], y: ['batch', 5, 4, 4] }, 'other'))).toThrow(/may resize dim 0/);
  });
});
