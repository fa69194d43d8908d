import type { MilBlock, MilOperation } from '../mil/ir.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Where a weight keeps its output and input channels, read from the ops that
 * consume it. Per-channel scales belong on the output axis: each output
 * channel then gets its own step size, however the layer's channels differ
 * in magnitude (a batch norm after the layer rescales every channel back, so a
 * small channel quantized with a large neighbour's step would be amplified
 * with its error). The axes follow the layouts of the MIL ops, the same rule
 * coremltools applies when it compresses a program:
 *
 * - conv, linear, gather, lstm/gru/rnn weights and everything else: output 0, input 1
 * - conv_transpose `weight` [C_in, C_out/groups, …]: output 1, input 0
 * - matmul `y`: output −1, input −2 (swapped with transpose_y);
 *   matmul `x`: output −2, input −1 (swapped with transpose_x)
 */
export interface WeightLayout {
  /** Axis of the output channels. */
  output: number;
  /** Axis of the input channels (block-wise scales split it). */
  input: number;
  /**
   * conv_transpose groups: with groups > 1, output channel g·(C_out/groups) + j
   * reads only the input channels of group g, so a true output channel is
   * (a group along axis 0) × (an index along axis 1).
   */
  groups: number;
}

export const DEFAULT_LAYOUT: WeightLayout = { output: 0, input: 1, groups: 1 };

type ConstantReader = (op: MilOperation, input: string) => Tensor | undefined;

/** The layout a consumer gives the weight it reads through `input`, for a weight of rank `rank`. */
type LayoutRule = (op: MilOperation, input: string, rank: number, read: ConstantReader) => WeightLayout | undefined;

const flag = (op: MilOperation, name: string, read: ConstantReader): boolean => read(op, name)?.data[0] === 1;

const LAYOUT_RULES: Record<string, LayoutRule> = {
  conv_transpose: (op, input, _rank, read) => {
    if (input !== 'weight') return undefined;
    const groups = Number(read(op, 'groups')?.data[0] ?? 1);
    return { output: 1, input: 0, groups: groups > 1 ? groups : 1 };
  },
  matmul: (op, input, rank, read) => {
    if (input === 'y') {
      const transposed = flag(op, 'transpose_y', read);
      return { output: rank - (transposed ? 2 : 1), input: rank - (transposed ? 1 : 2), groups: 1 };
    }
    if (input === 'x') {
      const transposed = flag(op, 'transpose_x', read);
      return { output: rank - (transposed ? 1 : 2), input: rank - (transposed ? 2 : 1), groups: 1 };
    }
    return undefined;
  },
};

/**
 * The layout of every const in `block` (nested blocks included) that some op
 * reads. A const whose consumers disagree on its layout keeps the default one.
 */
export function weightLayouts(block: MilBlock): Map<string, WeightLayout> {
  const constants = new Map<string, Tensor>();
  collectConstants(block, constants);
  const read: ConstantReader = (op, input) => {
    const binding = op.inputs[input]?.[0];
    if (!binding) return undefined;
    return binding.kind === 'value' ? binding.value : constants.get(binding.name);
  };
  const seen = new Map<string, WeightLayout[]>();
  collectUses(block, constants, read, seen);
  const layouts = new Map<string, WeightLayout>();
  for (const [name, found] of seen) {
    const first = found[0]!;
    const agree = found.every((l) => l.output === first.output && l.input === first.input && l.groups === first.groups);
    layouts.set(name, agree ? first : DEFAULT_LAYOUT);
  }
  return layouts;
}

function collectConstants(block: MilBlock, into: Map<string, Tensor>): void {
  for (const op of block.operations) {
    const val = op.type === 'const' ? op.attributes['val'] : undefined;
    if (val) into.set(op.outputs[0]!.name, val);
    for (const inner of op.blocks) collectConstants(inner, into);
  }
}

function collectUses(block: MilBlock, constants: ReadonlyMap<string, Tensor>, read: ConstantReader, into: Map<string, WeightLayout[]>): void {
  for (const op of block.operations) {
    for (const [input, bindings] of Object.entries(op.inputs)) {
      for (const b of bindings) {
        const weight = b.kind === 'name' ? constants.get(b.name) : undefined;
        if (!weight || b.kind !== 'name') continue;
        const layout = LAYOUT_RULES[op.type]?.(op, input, weight.shape.length, read) ?? DEFAULT_LAYOUT;
        const list = into.get(b.name) ?? [];
        list.push(layout);
        into.set(b.name, list);
      }
    }
    for (const inner of op.blocks) collectUses(inner, constants, read, into);
  }
}
