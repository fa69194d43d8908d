import type { onnx } from '../gen/onnx.js';
import { dtypeOfOnnxType, onnxTypeName } from './data-type.js';
import type { OnnxDim, OnnxValueInfo, OnnxValueKind } from './ir.js';
import { int64ToBigInt } from './proto-values.js';

/**
 * ValueInfoProto / TypeProto to OnnxValueInfo. Types the IR cannot hold
 * (sequences, maps, optionals, unsupported element types) keep their kind and
 * ONNX spelling so later stages can refuse them by name.
 */

/** A dimension: dim_value as a number, dim_param as its name, anything else (or negative) unknown. */
function dimFromProto(dim: onnx.TensorShapeProto.IDimension): OnnxDim {
  if (dim.dimValue != null) {
    const v = int64ToBigInt(dim.dimValue);
    // Some exporters write -1 for a dynamic dimension; it means unknown, not a size.
    return v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : null;
  }
  if (dim.dimParam) return dim.dimParam;
  return null;
}

function shapeFromProto(shape: onnx.ITensorShapeProto | null | undefined): OnnxDim[] | undefined {
  if (!shape) return undefined;
  return (shape.dim ?? []).map(dimFromProto);
}

interface TypeDescription {
  kind?: OnnxValueKind;
  typeName?: string;
}

/** Kind and ONNX spelling of a type, recursing through sequence/optional/map element types. */
function describeType(type: onnx.ITypeProto | null | undefined, depth = 0): TypeDescription {
  // protobufjs already bounds message nesting; this guard keeps a cyclic object from looping.
  if (!type || depth > 64) return {};
  if (type.tensorType) return { kind: 'tensor', typeName: `tensor(${onnxTypeName(type.tensorType.elemType ?? 0)})` };
  if (type.sparseTensorType) {
    return { kind: 'sparse_tensor', typeName: `sparse_tensor(${onnxTypeName(type.sparseTensorType.elemType ?? 0)})` };
  }
  if (type.sequenceType) return { kind: 'sequence', typeName: `seq(${describeType(type.sequenceType.elemType, depth + 1).typeName ?? '?'})` };
  if (type.optionalType) {
    return { kind: 'optional', typeName: `optional(${describeType(type.optionalType.elemType, depth + 1).typeName ?? '?'})` };
  }
  if (type.mapType) {
    const value = describeType(type.mapType.valueType, depth + 1).typeName ?? '?';
    return { kind: 'map', typeName: `map(${onnxTypeName(type.mapType.keyType ?? 0)}, ${value})` };
  }
  return {};
}

export function valueInfoFromProto(proto: onnx.IValueInfoProto): OnnxValueInfo {
  const info: OnnxValueInfo = { name: proto.name ?? '' };
  const { kind, typeName } = describeType(proto.type);
  if (kind) info.kind = kind;
  if (typeName) info.typeName = typeName;
  const tensorType = proto.type?.tensorType;
  if (tensorType) {
    const dtype = dtypeOfOnnxType(tensorType.elemType ?? 0);
    if (dtype) info.dtype = dtype;
    const shape = shapeFromProto(tensorType.shape);
    if (shape) info.shape = shape;
  }
  if (proto.docString) info.docString = proto.docString;
  return info;
}
