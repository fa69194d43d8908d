import type { DType } from '../../tensor/dtype.js';
import { toNumberList } from '../../tensor/tensor.js';
import type { MilOpDef, TypeRuleInput } from '../catalogue.js';
import type { MilTensorType } from '../ir.js';
import { MilShapeError } from './elementwise.js';
import { dtypeFromMilName } from './misc.js';

/**
 * MIL lists (iOS15): make_list creates a list of tensors, list_write and
 * list_scatter return a new list, list_read, list_gather and list_length read
 * one. A list's type is its element dtype and shape and its length (its
 * init_length, which a dynamic-length list may outgrow at run time); coremltools writes these ops for TensorArray-style
 * accumulation inside while_loop bodies.
 */

const ELEMENT: readonly DType[] = ['float16', 'float32', 'int32', 'bool'];
const INT: readonly DType[] = ['int32'];

function listType(input: TypeRuleInput, param: string): MilTensorType & { collection: { kind: 'list'; elementShape?: (number | null)[] } } {
  const t = input.type(param);
  if (!t || t.collection?.kind !== 'list') throw new MilShapeError(`${param} must be a list`);
  return t as MilTensorType & { collection: { kind: 'list'; elementShape?: (number | null)[] } };
}

function list(dtype: DType, length: number | null, elementShape: (number | null)[]): MilTensorType {
  return { dtype, shape: [length], collection: { kind: 'list', elementShape } };
}

/**
 * elem_shape is one int32 vector, or (as coremltools writes it) a tuple of
 * scalars, each an int32 size or a string naming a size known only at run time.
 */
function elementShapeOf(input: TypeRuleInput): (number | null)[] {
  const parts = input.types('elem_shape');
  if (parts.length === 1 && parts[0]!.shape.length === 1) {
    const value = input.value('elem_shape');
    if (!value) throw new MilShapeError('make_list.elem_shape must be a constant');
    return toNumberList(value);
  }
  if (parts.some((p) => p.shape.length !== 0)) throw new MilShapeError('make_list.elem_shape must be one int32 vector or a tuple of scalars');
  const first = input.value('elem_shape');
  return parts.map((p, i) => (i === 0 && first && p.dtype === 'int32' ? Number(first.data[0]) : null));
}

function makeListOutputs(input: TypeRuleInput): MilTensorType[] {
  const name = input.value('dtype');
  const dtype = name ? dtypeFromMilName(String(name.data[0])) : 'float32';
  if (!dtype || !ELEMENT.includes(dtype)) throw new MilShapeError(`make_list.dtype ${name ? String(name.data[0]) : ''} is not a list element dtype`);
  const elementShape = elementShapeOf(input);
  // coremltools types a list by its init_length whether or not it may grow; a run-time length leaves it unknown.
  const init = input.types('init_length').length === 0 ? 1 : input.value('init_length');
  const length = typeof init === 'number' ? init : init ? Number(init.data[0]) : null;
  return [list(dtype, length, elementShape)];
}

function sameList(input: TypeRuleInput): MilTensorType[] {
  const ls = listType(input, 'ls');
  return [list(ls.dtype, ls.shape[0] ?? null, [...(ls.collection.elementShape ?? [])])];
}

const makeList: MilOpDef = {
  name: 'make_list',
  since: 'iOS15',
  inputs: {
    init_length: { type: INT, optional: true },
    dynamic_length: { type: ['bool'], optional: true, const: true },
    elem_shape: { type: ['int32', 'string'], optional: true, const: true, variadic: true },
    dtype: { type: ['string'], optional: true, const: true },
  },
  outputs: makeListOutputs,
};

const listLength: MilOpDef = {
  name: 'list_length',
  since: 'iOS15',
  inputs: { ls: { type: ELEMENT } },
  outputs: (input) => (listType(input, 'ls'), [{ dtype: 'int32', shape: [] }]),
};

const listWrite: MilOpDef = {
  name: 'list_write',
  since: 'iOS15',
  inputs: { ls: { type: ELEMENT }, index: { type: INT }, value: { type: ELEMENT } },
  outputs: sameList,
};

const listRead: MilOpDef = {
  name: 'list_read',
  since: 'iOS15',
  inputs: { ls: { type: ELEMENT }, index: { type: INT } },
  outputs: (input) => {
    const ls = listType(input, 'ls');
    return [{ dtype: ls.dtype, shape: [...(ls.collection.elementShape ?? [])] }];
  },
};

const listGather: MilOpDef = {
  name: 'list_gather',
  since: 'iOS15',
  inputs: { ls: { type: ELEMENT }, indices: { type: INT } },
  outputs: (input) => {
    const ls = listType(input, 'ls');
    const indices = input.type('indices');
    return [{ dtype: ls.dtype, shape: [indices?.shape[0] ?? null, ...(ls.collection.elementShape ?? [])] }];
  },
};

const listScatter: MilOpDef = {
  name: 'list_scatter',
  since: 'iOS15',
  inputs: { ls: { type: ELEMENT }, indices: { type: INT }, value: { type: ELEMENT } },
  outputs: sameList,
};

/** The list family's MIL op definitions. */
export const listOpDefs: readonly MilOpDef[] = [makeList, listLength, listWrite, listRead, listGather, listScatter];
