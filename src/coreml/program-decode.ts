import { CoreML } from '../gen/coreml.js';
import {
  targetForOpset,
  type MilBinding,
  type MilBlock,
  type MilFunction,
  type MilOpset,
  type MilOperation,
  type MilProgram,
  type MilVar,
} from '../mil/ir.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { decodeImmediate, decodeListValue, decodeTensorType, decodeValueType, invalidProgram, stringOfValue, type ValueProto } from './value.js';

import M = CoreML.Specification.MILSpec;

/**
 * MIL.proto `Program` → MIL IR. Reads programs written by this project and by
 * Apple's coremltools: parameters bound by name or by inline value, constexpr
 * parameters in attributes (iOS16/17) or inputs (iOS18), nested blocks.
 */

/** Resolves a `BlobFileValue` to a tensor (the package reader validates paths and bounds). */
export interface BlobSource {
  read(fileName: string, offset: number, dtype: DType, shape: readonly number[]): Tensor;
}

class ProgramDecoder {
  constructor(
    private readonly file: string,
    private readonly blobs: BlobSource | undefined,
  ) {}

  value(value: ValueProto | null | undefined, what: string): Tensor {
    if (!value) throw invalidProgram(`${what} has no value`, this.file);
    if (value.type?.listType) return decodeListValue(value, decodeValueType(value.type, what, this.file).dtype, what, this.file);
    const type = decodeTensorType(value.type, what, this.file);
    if (type.shape.some((d) => d === null)) throw invalidProgram(`${what} is a constant without a static shape`, this.file);
    const shape = type.shape as number[];
    if (value.blobFileValue) {
      if (!this.blobs) throw invalidProgram(`${what} refers to a weight file, but none is available`, this.file);
      const offset = Number(value.blobFileValue.offset ?? 0);
      return this.blobs.read(value.blobFileValue.fileName ?? '', offset, type.dtype, shape);
    }
    const tensor = value.immediateValue?.tensor;
    if (!tensor) throw invalidProgram(`${what} is not a tensor value (tuple, list and dictionary values are not supported)`, this.file);
    return decodeImmediate(tensor, type.dtype, shape, what, this.file);
  }

  namedType(nvt: M.NamedValueType.$Properties, what: string): MilVar {
    const name = nvt.name ?? '';
    if (name === '') throw invalidProgram(`${what} has no name`, this.file);
    return { name, type: decodeValueType(nvt.type, `${what} "${name}"`, this.file) };
  }

  binding(b: M.Argument.Binding.$Properties, what: string): MilBinding {
    if (b.name !== undefined && b.name !== null && b.name !== '') return { kind: 'name', name: b.name };
    if (b.value) return { kind: 'value', value: this.value(b.value, what) };
    throw invalidProgram(`${what} is bound to nothing`, this.file);
  }

  operation(op: M.Operation.$Properties, index: number): MilOperation {
    const type = op.type ?? '';
    if (type === '') throw invalidProgram(`operation #${index} has no type`, this.file);
    const outputs = (op.outputs ?? []).map((o, i) => this.namedType(o, `output ${i} of ${type} operation #${index}`));
    const name = stringOfValue(op.attributes?.['name']) ?? outputs[0]?.name ?? `${type}_${index}`;
    const inputs: Record<string, MilBinding[]> = {};
    for (const [param, arg] of Object.entries(op.inputs ?? {})) {
      inputs[param] = (arg.arguments ?? []).map((b, i) => this.binding(b, `parameter ${param}[${i}] of ${type} "${name}"`));
    }
    const attributes: Record<string, Tensor> = {};
    for (const [key, value] of Object.entries(op.attributes ?? {})) {
      if (key !== 'name') attributes[key] = this.value(value, `attribute ${key} of ${type} "${name}"`);
    }
    const blocks = (op.blocks ?? []).map((b) => this.block(b));
    return { type, name, inputs, outputs, attributes, blocks };
  }

  block(block: M.Block.$Properties): MilBlock {
    return {
      inputs: (block.inputs ?? []).map((v, i) => this.namedType(v, `block input ${i}`)),
      operations: (block.operations ?? []).map((op, i) => this.operation(op, i)),
      outputs: [...(block.outputs ?? [])],
    };
  }

  function(name: string, fn: M.Function.$Properties): MilFunction {
    const opset = fn.opset ?? '';
    if (targetForOpset(opset) === undefined) {
      throw invalidProgram(`function "${name}" uses opset "${opset}", which is not supported (CoreML5..CoreML8)`, this.file);
    }
    const block = fn.blockSpecializations?.[opset];
    if (!block) throw invalidProgram(`function "${name}" has no block for its opset "${opset}"`, this.file);
    return {
      inputs: (fn.inputs ?? []).map((v, i) => this.namedType(v, `input ${i} of function "${name}"`)),
      opset: opset as MilOpset,
      block: this.block(block),
    };
  }

  /** Program attributes as text: scalar strings as they are, string dictionaries (buildInfo) as JSON. */
  attribute(value: ValueProto): string | undefined {
    const text = stringOfValue(value);
    if (text !== undefined) return text;
    const pairs = value.immediateValue?.dictionary?.values;
    if (!pairs) return undefined;
    const entries = pairs.map((p) => [stringOfValue(p.key) ?? '', stringOfValue(p.value) ?? ''] as const);
    return JSON.stringify(Object.fromEntries(entries));
  }
}

/** Decodes a program; `file` names the model file in error messages. */
export function decodeProgram(program: M.Program.$Properties, file: string, blobs?: BlobSource): MilProgram {
  const decoder = new ProgramDecoder(file, blobs);
  const functions: Record<string, MilFunction> = {};
  for (const [name, fn] of Object.entries(program.functions ?? {})) functions[name] = decoder.function(name, fn);
  if (!functions['main']) throw invalidProgram('ML program has no "main" function', file);
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(program.attributes ?? {})) {
    const text = decoder.attribute(value);
    if (text !== undefined) attributes[key] = text;
  }
  return { functions, attributes };
}
