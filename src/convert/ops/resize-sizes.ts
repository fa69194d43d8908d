import type { MilBuilder } from '../../mil/builder.js';
import type { MilBinding, MilOperation } from '../../mil/ir.js';
import { toNumberList } from '../../tensor/tensor.js';

/**
 * What conversion can know about a small integer vector computed at run time from
 * tensor shapes — the `sizes` an exporter builds for F.interpolate(size=...) with a
 * dynamic batch: Concat(Shape(y)[0:2], Shape(x)[2:4]). Each element is a number, a
 * dim of some MIL value (known only at run time), or unknown. The vector is read
 * back through the MIL ops already emitted for it (shape, gather, slice_by_index,
 * concat and the reshaping ops, which keep element order), so it needs nothing from
 * the ONNX graph.
 */
export type ShapeElement = number | { dimOf: string; axis: number } | null;

/** Longest vector worth tracking: shape arithmetic works on rank-sized vectors. */
const MAX_ELEMENTS = 8;

/** Ops that only re-view their input, keeping its elements in order. */
const ORDER_KEEPING = new Set(['expand_dims', 'squeeze', 'reshape', 'identity', 'cast']);

type Evaluator = (op: MilOperation, read: (binding: MilBinding | undefined) => ShapeElement[] | undefined) => ShapeElement[] | undefined;

function onlyNumbers(elements: ShapeElement[] | undefined): number[] | undefined {
  return elements?.every((e): e is number => typeof e === 'number') ? elements : undefined;
}

const EVALUATORS: Readonly<Record<string, Evaluator>> = {
  concat: (op, read) => {
    const axis = onlyNumbers(read(op.inputs['axis']?.[0]));
    if (!axis || (axis[0] !== 0 && axis[0] !== -1)) return undefined;
    const parts = (op.inputs['values'] ?? []).map((b) => read(b));
    return parts.every((p) => p !== undefined) ? parts.flat() : undefined;
  },
  gather: (op, read) => {
    const x = read(op.inputs['x']?.[0]);
    const indices = onlyNumbers(read(op.inputs['indices']?.[0]));
    const axis = op.inputs['axis'] ? onlyNumbers(read(op.inputs['axis'][0])) : [0];
    if (!x || !indices || !axis || axis[0] !== 0) return undefined;
    const picked = indices.map((i) => x[i < 0 ? i + x.length : i]);
    return picked.every((e) => e !== undefined) ? (picked as ShapeElement[]) : undefined;
  },
  slice_by_index: (op, read) => {
    const x = read(op.inputs['x']?.[0]);
    const [begin, end] = [onlyNumbers(read(op.inputs['begin']?.[0])), onlyNumbers(read(op.inputs['end']?.[0]))];
    const stride = op.inputs['stride'] ? onlyNumbers(read(op.inputs['stride'][0])) : [1];
    const masks = ['begin_mask', 'end_mask', 'squeeze_mask'].map((m) => (op.inputs[m] ? onlyNumbers(read(op.inputs[m][0])) : [0]));
    if (!x || !begin || !end || !stride || masks.some((m) => !m) || stride[0] !== 1 || masks[2]![0]) return undefined;
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + x.length : v, 0), x.length);
    return x.slice(masks[0]![0] ? 0 : clamp(begin[0]!), masks[1]![0] ? x.length : clamp(end[0]!));
  },
};

/** Reads `name` as a vector of shape elements; undefined when its ops cannot be followed. */
export function shapeElements(b: MilBuilder, name: string): ShapeElement[] | undefined {
  const producers = new Map<string, MilOperation>();
  for (const op of b.operations()) for (const out of op.outputs) producers.set(out.name, op);
  const read = (binding: MilBinding | undefined, depth: number): ShapeElement[] | undefined => {
    if (!binding || depth > 32) return undefined;
    if (binding.kind === 'value') return smallVector(toNumberList(binding.value));
    const constant = b.constValue(binding.name);
    if (constant) return smallVector(toNumberList(constant));
    const op = producers.get(binding.name);
    if (!op) return undefined;
    const next = (inner: MilBinding | undefined) => read(inner, depth + 1);
    if (op.type === 'shape') return shapeOf(b, op.inputs['x']?.[0]);
    if (ORDER_KEEPING.has(op.type)) return next(op.inputs['x']?.[0]);
    return EVALUATORS[op.type]?.(op, next);
  };
  return read({ kind: 'name', name }, 0);
}

function smallVector(values: number[]): ShapeElement[] | undefined {
  return values.length <= MAX_ELEMENTS ? values : undefined;
}

function shapeOf(b: MilBuilder, x: MilBinding | undefined): ShapeElement[] | undefined {
  if (!x || x.kind !== 'name') return undefined;
  return b.typeOf(x.name).shape.map((d, axis) => d ?? { dimOf: x.name, axis });
}
