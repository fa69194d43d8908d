import { ConversionError } from '../errors.js';
import { CoreML } from '../gen/coreml.js';
import type { MilBinding, MilBlock, MilFunction, MilOperation, MilProgram, MilVar } from '../mil/ir.js';
import type { DType } from '../tensor/dtype.js';
import { elementCount, type Tensor } from '../tensor/tensor.js';
import { subByteBits } from './dtypes.js';
import { encodeTensorType, encodeValueType, immediateValue, listValue, stringScalarValue, type ValueProto } from './value.js';

import M = CoreML.Specification.MILSpec;

/**
 * MIL IR → MIL.proto `Program`, following the recipes coremltools uses: every
 * op carries a `name` attribute, parameters are bound by name (or inline value
 * where the IR says so), large constants go to the weight file.
 */

/** Where blob constants go: returns the offset of the blob's metadata record. */
export interface BlobSink {
  /** The `BlobFileValue.fileName`, e.g. "@model_path/weights/weight.bin". */
  readonly fileName: string;
  append(tensor: Tensor): number;
}

export interface ProgramEncodeOptions {
  specificationVersion: number;
  /** Without a sink every constant is written inline. */
  blobs?: BlobSink;
}

/** Constants below this many elements stay inline, as coremltools does. */
export const MIN_BLOB_ELEMENTS = 10;

const BLOB_DTYPES_FROM_SPEC: Partial<Record<DType, number>> = {
  float16: 0,
  float32: 0,
  uint8: 0,
  int8: 0,
  int16: 9,
  uint16: 9,
  int32: 9,
  uint32: 9,
};

/** coremltools' rule for storing a constant in weight.bin rather than inline. */
function shouldUseBlob(tensor: Tensor, specificationVersion: number): boolean {
  if (elementCount(tensor.shape) < MIN_BLOB_ELEMENTS) return false;
  if (subByteBits(tensor.dtype) !== undefined) return true;
  const fromSpec = BLOB_DTYPES_FROM_SPEC[tensor.dtype];
  return fromSpec !== undefined && specificationVersion >= fromSpec;
}

/** MIL.proto's identifier grammar for function, value, op and parameter names. */
const MIL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_@]*$/;

function checkIdentifier(name: string, what: string): string {
  if (!MIL_IDENTIFIER.test(name)) throw new ConversionError(`${what} "${name}" is not a valid MIL identifier ([A-Za-z_][A-Za-z0-9_@]*)`);
  return name;
}

const STRING_SCALAR_TYPE: M.ValueType.$Properties = { tensorType: { dataType: M.DataType.STRING, rank: 0, dimensions: [] } };

/**
 * A program attribute. `buildInfo` is a string→string dictionary in Core ML
 * (its compiler appends entries to it), so a JSON object of strings is
 * written back as that dictionary; anything else is a scalar string.
 */
function programAttribute(key: string, text: string): ValueProto {
  const pairs = key === 'buildInfo' ? stringPairs(text) : undefined;
  if (!pairs) return stringScalarValue(text);
  return {
    type: { dictionaryType: { keyType: STRING_SCALAR_TYPE, valueType: STRING_SCALAR_TYPE } },
    immediateValue: { dictionary: { values: pairs.map(([k, v]) => ({ key: stringScalarValue(k), value: stringScalarValue(v) })) } },
  };
}

function stringPairs(text: string): [string, string][] | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    const entries = Object.entries(parsed as Record<string, unknown>);
    return entries.every(([, v]) => typeof v === 'string') ? (entries as [string, string][]) : undefined;
  } catch {
    return undefined;
  }
}

class ProgramEncoder {
  constructor(private readonly options: ProgramEncodeOptions) {}

  value(tensor: Tensor): ValueProto {
    const sink = this.options.blobs;
    if (!sink || !shouldUseBlob(tensor, this.options.specificationVersion)) return immediateValue(tensor);
    return {
      type: encodeTensorType({ dtype: tensor.dtype, shape: [...tensor.shape] }),
      blobFileValue: { fileName: sink.fileName, offset: sink.append(tensor) },
    };
  }

  namedType(v: MilVar): M.NamedValueType.$Properties {
    return { name: checkIdentifier(v.name, 'value name'), type: encodeValueType(v.type) };
  }

  binding(b: MilBinding): M.Argument.Binding.$Properties {
    return b.kind === 'name' ? { name: b.name } : { value: this.value(b.value) };
  }

  operation(op: MilOperation): M.Operation.$Properties {
    const inputs: Record<string, M.Argument.$Properties> = {};
    for (const [param, bindings] of Object.entries(op.inputs)) {
      inputs[checkIdentifier(param, `parameter of ${op.type}`)] = { arguments: bindings.map((b) => this.binding(b)) };
    }
    const attributes: Record<string, ValueProto> = { name: stringScalarValue(checkIdentifier(op.name, `${op.type} op name`)) };
    // A const whose result is a list (a classifier's classes) holds a list value, not a tensor.
    const isList = op.type === 'const' && op.outputs[0]?.type.collection?.kind === 'list';
    for (const [key, tensor] of Object.entries(op.attributes)) {
      attributes[checkIdentifier(key, `attribute of ${op.type}`)] = isList && key === 'val' ? listValue(tensor) : this.value(tensor);
    }
    return {
      type: op.type,
      inputs,
      outputs: op.outputs.map((o) => this.namedType(o)),
      blocks: op.blocks.map((b) => this.block(b)),
      attributes,
    };
  }

  block(block: MilBlock): M.Block.$Properties {
    return {
      inputs: block.inputs.map((v) => this.namedType(v)),
      outputs: [...block.outputs],
      operations: block.operations.map((op) => this.operation(op)),
    };
  }

  function(fn: MilFunction): M.Function.$Properties {
    return {
      inputs: fn.inputs.map((v) => this.namedType(v)),
      opset: fn.opset,
      blockSpecializations: { [fn.opset]: this.block(fn.block) },
    };
  }
}

/** Encodes a program; blob constants are appended to `options.blobs` in op order. */
export function encodeProgram(program: MilProgram, options: ProgramEncodeOptions): M.Program.$Properties {
  const encoder = new ProgramEncoder(options);
  const functions: Record<string, M.Function.$Properties> = {};
  for (const [name, fn] of Object.entries(program.functions)) functions[checkIdentifier(name, 'function name')] = encoder.function(fn);
  const attributes: Record<string, ValueProto> = {};
  for (const [key, text] of Object.entries(program.attributes ?? {})) attributes[checkIdentifier(key, 'program attribute')] = programAttribute(key, text);
  return { version: 1, functions, attributes };
}
