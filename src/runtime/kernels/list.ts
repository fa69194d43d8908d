import { elementCount } from '../../tensor/tensor.js';
import type { KernelTable, OpContext } from '../kernel.js';
import { allocFor, computeDType, isListValue, makeListValue, makeValue, type RtList, type RtListValue, type RtNumericValue, type RtValue } from '../value.js';

/**
 * MIL lists (iOS15 make_list, list_length, list_write, list_read, list_gather,
 * list_scatter), as Apple's list tests pin them: a new list holds init_length
 * elements that read as zeros; a write past the end grows a dynamic-length list
 * (the gap reads as zeros) and is an error for a fixed-length one.
 */

function listParam(ctx: OpContext, name: string): RtListValue {
  const v = ctx.input(name);
  if (!isListValue(v)) ctx.fail(`parameter '${name}' must be a list, got a ${v.dtype} tensor`);
  return v;
}

/**
 * elem_shape as one int32 vector, or as coremltools writes it: a tuple of
 * scalars where a string names a size known only at run time. With such a
 * size (or no elem_shape) the first write fixes the element shape.
 */
function elementShape(ctx: OpContext): number[] | undefined {
  const parts = ctx.variadic('elem_shape');
  if (parts.length === 0 || parts.some((p) => p.dtype === 'string')) return undefined;
  const dims = parts.flatMap((p) => Array.from(p.data as ArrayLike<number>));
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) ctx.fail(`elem_shape [${dims.join(', ')}] must hold non-negative integers`);
  return dims;
}

function makeList(ctx: OpContext): RtValue[] {
  const length = ctx.num('init_length', 1);
  if (!Number.isInteger(length) || length < 0) ctx.fail(`init_length ${length} must be a non-negative integer`);
  const list: RtList = { items: new Array<undefined>(length).fill(undefined), elementShape: elementShape(ctx), dynamic: ctx.bool('dynamic_length', true) };
  return [makeListValue(computeDType(ctx.outputDType()), list)];
}

function listLength(ctx: OpContext): RtValue[] {
  return [makeValue('int32', [], Int32Array.of(listParam(ctx, 'ls').list.items.length))];
}

function checkedIndex(ctx: OpContext, index: number, length: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= length) ctx.fail(`index ${index} is out of range for a list of length ${length}`);
  return index;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Element `index` of the list, zeros when it was never written. */
function element(ctx: OpContext, ls: RtListValue, index: number): RtNumericValue {
  const { items, elementShape } = ls.list;
  const item = items[checkedIndex(ctx, index, items.length)];
  if (item) return item;
  if (!elementShape) ctx.fail(`element ${index} was never written and the list has no elem_shape to give it zeros`);
  return makeValue(ls.dtype, elementShape);
}

/**
 * Writes `values` (index → element) into a copy of the list. Elements are
 * copied: the value written may be a buffer the interpreter recycles once its
 * last reader ran.
 */
function writeAll(ctx: OpContext, ls: RtListValue, writes: readonly [number, RtNumericValue][]): RtListValue {
  const items = [...ls.list.items];
  let shape = ls.list.elementShape;
  for (const [index, value] of writes) {
    if (value.dtype !== ls.dtype) ctx.fail(`cannot write a ${value.dtype} value into a list of ${ls.dtype}`);
    if (shape && !sameShape(shape, value.shape)) ctx.fail(`value of shape [${value.shape.join(', ')}] does not match the list's elem_shape [${shape.join(', ')}]`);
    shape ??= [...value.shape];
    if (!Number.isInteger(index) || index < 0) ctx.fail(`index ${index} is out of range`);
    if (index >= items.length) {
      if (!ls.list.dynamic) ctx.fail(`index ${index} is out of range for a list of fixed length ${items.length}`);
      while (items.length <= index) items.push(undefined);
    }
    items[index] = makeValue(value.dtype, value.shape, value.data.slice());
  }
  return makeListValue(ls.dtype, { items, elementShape: shape, dynamic: ls.list.dynamic });
}

function listWrite(ctx: OpContext): RtValue[] {
  const ls = listParam(ctx, 'ls');
  return [writeAll(ctx, ls, [[ctx.num('index'), ctx.numeric('value')]])];
}

function listRead(ctx: OpContext): RtValue[] {
  const ls = listParam(ctx, 'ls');
  const item = element(ctx, ls, ctx.num('index'));
  return [makeValue(item.dtype, item.shape, item.data.slice())];
}

function listGather(ctx: OpContext): RtValue[] {
  const ls = listParam(ctx, 'ls');
  const indices = ctx.requiredInts('indices');
  const items = indices.map((i) => element(ctx, ls, i));
  const shape = items[0]?.shape ?? ls.list.elementShape;
  if (!shape) ctx.fail('gathers nothing from a list whose elem_shape is unknown');
  const size = elementCount(shape);
  const out = allocFor(ls.dtype, indices.length * size);
  items.forEach((item, k) => out.set(item.data, k * size));
  return [makeValue(ls.dtype, [indices.length, ...shape], out)];
}

function listScatter(ctx: OpContext): RtValue[] {
  const ls = listParam(ctx, 'ls');
  const indices = ctx.requiredInts('indices');
  const value = ctx.numeric('value');
  if (value.shape[0] !== indices.length) ctx.fail(`value has ${value.shape[0] ?? 0} rows for ${indices.length} indices`);
  const shape = value.shape.slice(1);
  const size = elementCount(shape);
  const writes = indices.map((index, k): [number, RtNumericValue] => [index, makeValue(value.dtype, shape, value.data.subarray(k * size, (k + 1) * size))]);
  return [writeAll(ctx, ls, writes)];
}

export const listKernels: KernelTable = {
  make_list: makeList,
  list_length: listLength,
  list_write: listWrite,
  list_read: listRead,
  list_gather: listGather,
  list_scatter: listScatter,
};
