import { walkOperations, type MilOperation, type MilProgram, type MilTensorType } from '../mil/ir.js';

/**
 * Pass/fail rules for one output (design.md, "Numbers and verdicts"):
 * - `elementwise`: every element satisfies |actual − reference| ≤ atol + rtol·|reference|;
 * - `psnr`: PSNR ≥ minDb (scale-free, for fp16 compute and compressed weights);
 * - `exact`: every element equal. Integer and bool outputs are always held to this.
 */
export type Gate = { kind: 'elementwise'; atol: number; rtol: number } | { kind: 'psnr'; minDb: number } | { kind: 'exact' };

/** The ONNX test-data convention for fp32 paths. */
export const FP32_GATE: Gate = { kind: 'elementwise', atol: 1e-4, rtol: 1e-3 };
export const FP16_GATE: Gate = { kind: 'psnr', minDb: 40 };
/** int8 weights, palettized with 6 to 8 bits. */
export const EIGHT_BIT_GATE: Gate = { kind: 'psnr', minDb: 30 };
/** int4 weights, palettized with 4 bits or fewer, pruned (sparse) weights. */
export const LOW_BIT_GATE: Gate = { kind: 'psnr', minDb: 20 };
export const EXACT_GATE: Gate = { kind: 'exact' };

/**
 * Picks the gate for a package this tool may not have written, from what its program
 * contains. The loosest finding wins, because the numbers can be no better than the
 * lossiest step: fp16 values anywhere → 40 dB; 8-bit affine weights or 6–8-bit LUTs → 30 dB;
 * ≤ 4-bit weights or LUTs, or sparse weights → 20 dB; nothing of that → fp32 element-wise.
 */
export function gateForProgram(program: MilProgram): Gate {
  const types = valueTypes(program);
  let gate: Gate = FP32_GATE;
  for (const fn of Object.values(program.functions)) {
    if (fn.inputs.some((v) => v.type.dtype === 'float16')) gate = looser(gate, FP16_GATE);
    for (const op of walkOperations(fn.block)) {
      if (op.outputs.some((v) => v.type.dtype === 'float16')) gate = looser(gate, FP16_GATE);
      const compressed = COMPRESSION_RULES[op.type];
      if (compressed) gate = looser(gate, compressed(op, types));
    }
  }
  return gate;
}

function looser(a: Gate, b: Gate): Gate {
  return gateRank(b) > gateRank(a) ? b : a;
}

/** Higher is looser: exact < element-wise < PSNR with a lower threshold. */
function gateRank(g: Gate): number {
  if (g.kind === 'exact') return 0;
  if (g.kind === 'elementwise') return 1;
  return 1000 - g.minDb;
}

type ValueTypes = Map<string, MilTensorType>;
type CompressionRule = (op: MilOperation, types: ValueTypes) => Gate;

const SUB_BYTE_BITS: Readonly<Record<string, number>> = { int4: 4, uint1: 1, uint2: 2, uint3: 3, uint4: 4, uint6: 6 };

function gateForBits(bits: number): Gate {
  return bits <= 4 ? LOW_BIT_GATE : EIGHT_BIT_GATE;
}

/** Gate for quantized data of a dtype: sub-byte types by their width, anything else as 8 bits. */
function gateForQuantizedData(op: MilOperation, param: string, types: ValueTypes): Gate {
  const type = paramType(op, param, types);
  return gateForBits(type ? (SUB_BYTE_BITS[type.dtype] ?? 8) : 8);
}

/**
 * LUT width from the palette count: iOS16 `lut` is [NUM_PALETTES]; iOS18 `lut` is
 * [..., NUM_PALETTES, VECTOR_SIZE]. When the LUT cannot be seen the width is unknown and
 * treated as low-bit, the loosest reading.
 */
function gateForLut(op: MilOperation, types: ValueTypes): Gate {
  const lut = paramType(op, 'lut', types);
  const shape = lut?.shape ?? [];
  const palettes = shape.length === 1 ? shape[0] : shape[shape.length - 2];
  if (typeof palettes !== 'number' || palettes < 2) return LOW_BIT_GATE;
  return gateForBits(Math.ceil(Math.log2(palettes)));
}

const COMPRESSION_RULES: Readonly<Record<string, CompressionRule>> = {
  constexpr_affine_dequantize: (op, types) => gateForQuantizedData(op, 'quantized_data', types),
  constexpr_blockwise_shift_scale: (op, types) => gateForQuantizedData(op, 'data', types),
  constexpr_lut_to_dense: gateForLut,
  constexpr_sparse_to_dense: () => LOW_BIT_GATE,
  constexpr_lut_to_sparse: () => LOW_BIT_GATE,
  constexpr_sparse_blockwise_shift_scale: () => LOW_BIT_GATE,
};

/** Type of every named value in the program (function inputs and op outputs). */
function valueTypes(program: MilProgram): ValueTypes {
  const types: ValueTypes = new Map();
  for (const fn of Object.values(program.functions)) {
    for (const v of fn.inputs) types.set(v.name, v.type);
    for (const op of walkOperations(fn.block)) for (const v of op.outputs) types.set(v.name, v.type);
  }
  return types;
}

/**
 * Type of an op parameter wherever MIL.proto put it: an attribute (iOS16/17 constexpr ops),
 * an inline value, or a named value (iOS18 constexpr ops read their const inputs by name).
 */
function paramType(op: MilOperation, param: string, types: ValueTypes): MilTensorType | undefined {
  const attribute = op.attributes[param];
  if (attribute) return { dtype: attribute.dtype, shape: [...attribute.shape] };
  const binding = op.inputs[param]?.[0];
  if (!binding) return undefined;
  if (binding.kind === 'value') return { dtype: binding.value.dtype, shape: [...binding.value.shape] };
  return types.get(binding.name);
}
