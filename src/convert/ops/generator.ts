import { milConst } from '../../mil/builder.js';
import { dtypeOfOnnxType } from '../../onnx/data-type.js';
import { attrInt, type OnnxNode } from '../../onnx/ir.js';
import type { DType, NumericTypedArray } from '../../tensor/dtype.js';
import { makeTensor, type Tensor } from '../../tensor/tensor.js';
import { milDTypeFor } from '../narrow.js';
import type { ConvertContext, ConverterTable, OpConverter } from '../types.js';
import { castTo, outName } from './elementwise.js';

/**
 * ONNX → MIL converters for ops that generate a tensor from another's shape
 * (EyeLike). A static shape gives a constant; a dynamic one is built from
 * the shape op and index ranges.
 */

const LATEST = 21;

/** The stored value of 1 in each MIL dtype (fp16 as its bit pattern). */
const ONE: Readonly<Partial<Record<DType, number>>> = { float16: 0x3c00, float32: 1, int32: 1, bool: 1 };

/** The MIL dtype EyeLike produces: the `dtype` attribute, else the input's ONNX type. */
function eyeDType(node: OnnxNode, ctx: ConvertContext, x: string): DType {
  const code = attrInt(node, 'dtype');
  const onnx = code === undefined ? ctx.info(node.inputs[0]!)?.dtype ?? ctx.b.typeOf(x).dtype : dtypeOfOnnxType(code);
  const mil = onnx === undefined ? undefined : milDTypeFor(onnx);
  if (mil === undefined || ONE[mil] === undefined) return ctx.unsupported(node, `dtype ${onnx ?? code} has no Core ML counterpart`);
  return mil;
}

/** The identity pattern with its diagonal shifted by k, as a constant. */
function eyeConstant(dtype: DType, rows: number, cols: number, k: number): Tensor {
  const t = makeTensor(dtype, [rows, cols]);
  for (let r = 0; r < rows; r++) {
    const c = r + k;
    if (c >= 0 && c < cols) (t.data as NumericTypedArray)[r * cols + c] = ONE[dtype]!;
  }
  return t;
}

/** range(0, dim) for dim `axis` of x's run-time shape. */
function indexRange(ctx: ConvertContext, shape: string, axis: number): string {
  const dim = ctx.b.op1('gather', { x: shape, indices: milConst.int(axis), axis: milConst.int(0) });
  return ctx.b.op1('range_1d', { start: milConst.int(0), end: dim, step: milConst.int(1) });
}

/** row + k == column over [rows, cols], from the run-time shape. */
function eyeDynamic(ctx: ConvertContext, x: string, k: number, dtype: DType, name: string): string {
  const shape = ctx.b.op1('shape', { x });
  const rows = ctx.b.op1('expand_dims', { x: indexRange(ctx, shape, 0), axes: milConst.ints([1]) });
  const shifted = ctx.b.op1('add', { x: rows, y: milConst.int(k) });
  const onDiagonal = ctx.b.op1('equal', { x: shifted, y: indexRange(ctx, shape, 1) });
  return castTo(ctx, onDiagonal, dtype, name);
}

const eyeLike: OpConverter = {
  opsets: [9, LATEST],
  milOps: ['shape', 'gather', 'range_1d', 'expand_dims', 'add', 'equal', 'cast'],
  limits: 'a static input shape gives a constant; int64/float64 outputs become int32/fp32',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const shape = ctx.b.typeOf(x).shape;
    if (shape.length !== 2) return ctx.unsupported(node, `input has rank ${shape.length}; EyeLike takes a 2-D tensor`);
    const dtype = eyeDType(node, ctx, x);
    const k = attrInt(node, 'k', 0);
    const [rows, cols] = shape;
    if (rows !== null && rows !== undefined && cols !== null && cols !== undefined) {
      ctx.setConstantOutput(node, 0, eyeConstant(dtype, rows, cols, k));
      return;
    }
    ctx.setOutput(node, 0, eyeDynamic(ctx, x, k, dtype, outName(node)));
  },
};

export const generatorConverters: ConverterTable = {
  EyeLike: eyeLike,
};
