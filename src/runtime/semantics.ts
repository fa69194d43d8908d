import { markdownTable } from 'markdown-table';
import { familyIndex } from '../tables.js';
import { KERNEL_FAMILIES } from './kernels/index.js';

/**
 * Which of Apple's MIL op unit tests (coremltools
 * converters/mil/mil/ops/tests/, run against Core ML on Apple's CI) each
 * kernel's semantics were checked against, and where the interpreter
 * deliberately departs from them. The checks themselves are the tests under
 * test/runtime/ that compute the expected values from those tests' formulas.
 * docs/semantics.md is generated from this table (`npm run docs:semantics`).
 */

export interface OpSemantics {
  /**
   * Apple test file(s), relative to coremltools/converters/mil/mil/ops/tests/; for `pinnedBy`
   * 'conversion test', relative to coremltools/converters/mil/; for 'definition', the op definition.
   */
  checkedAgainst: string;
  /**
   * What pins the semantics when no MIL op test does: Apple's conversion tests, which run the op
   * on Core ML against the source framework, or only the op definition (no Apple test runs the op).
   * Absent: Apple's MIL op unit tests.
   */
  pinnedBy?: 'conversion test' | 'definition';
  /** A deliberate difference from Core ML, or a part the tests leave open. */
  difference?: string;
}

const RECURRENT = 'iOS14/test_recurrent.py';
const NORMALIZATION = 'iOS14/test_normalization.py';
const REDUCTION = 'iOS14/test_reduction.py';
const TENSOR_OPERATION = 'iOS14/test_tensor_operation.py';
const ACTIVATION = 'iOS14/test_activation.py';
const UNARY = 'iOS14/test_elementwise_unary.py';
const BINARY = 'iOS14/test_elementwise_binary.py';
const TRANSFORMATION = 'iOS14/test_tensor_transformation.py';
const SCATTER_GATHER = 'iOS14/test_scatter_gather.py';
const POOL = 'iOS14/test_pool.py';
const COMPRESSION = 'iOS18/test_compression.py';
const LIST = 'iOS14/test_control_flow.py (TestList: smoke test and while_loop accumulation)';
const LIST_WITHOUT_SHAPE = 'an element never written reads as zeros of elem_shape; without elem_shape (which no Apple test leaves out) reading it is refused';
const CEIL_MODE = 'ceil_mode (no Apple test pins it): a window may not start in the trailing padding, the PyTorch/ONNX rule';
const NEGATIVE_INDICES = 'negative indices count from the end before iOS17 and are refused from iOS17, as the iOS17 definitions require';

const RANDOM: OpSemantics = {
  checkedAgainst: 'iOS14/test_random.py (degenerate distributions of static and run-time shapes; random_categorical’s frequencies from logits and probabilities)',
  difference: 'own seeded generator: values differ from a device; verify never passes an output that depends on it',
};
const FAST_EXP = 'e^x is a polynomial with a power-of-two scale, within 1 ulp of float32 exp (measured over float32 inputs): a device’s exp is not bit-exact either';
const LOGICAL = 'frontend/torch/test/test_torch_ops.py (TestLogicalAnd/Or/Xor/Not: bool, fp32 and int32 operands cast to bool)';

const checkedOps = (ops: string[], checkedAgainst: string, pinnedBy?: OpSemantics['pinnedBy']): Record<string, OpSemantics> =>
  Object.fromEntries(ops.map((op) => [op, pinnedBy ? { checkedAgainst, pinnedBy } : { checkedAgainst }]));

export const SEMANTICS: Readonly<Record<string, OpSemantics>> = {
  ...checkedOps(['clamped_relu', 'elu', 'leaky_relu', 'linear_activation', 'prelu', 'relu', 'relu6', 'scaled_tanh', 'sigmoid_hard',
    'softplus', 'softplus_parametric', 'softsign', 'thresholded_relu'], ACTIVATION),
  ...Object.fromEntries(['gelu', 'sigmoid', 'silu', 'softmax'].map((op) => [op, { checkedAgainst: ACTIVATION, difference: FAST_EXP }])),
  ...checkedOps(['abs', 'acos', 'asin', 'atan', 'atanh', 'cast', 'ceil', 'clip', 'cos', 'cosh', 'exp2', 'floor', 'inverse', 'log',
    'rsqrt', 'sign', 'sin', 'sinh', 'sqrt', 'square', 'tan', 'tanh', 'threshold'], UNARY),
  exp: { checkedAgainst: UNARY, difference: FAST_EXP },
  erf: { checkedAgainst: UNARY, difference: `Abramowitz–Stegun 7.1.26 (about 1.5e-7 absolute) with a Maclaurin series below 0.5; ${FAST_EXP}` },
  round: { checkedAgainst: UNARY, difference: 'halves go to the even neighbour, as NumPy (a choice: the tests pin no tie)' },
  ...checkedOps(['add', 'floor_div', 'maximum', 'minimum', 'mod', 'mul', 'pow', 'sub',
    'equal', 'not_equal', 'greater', 'greater_equal', 'less', 'less_equal'], BINARY),
  ...checkedOps(['slice_by_index', 'slice_by_size', 'pixel_shuffle', 'space_to_batch', 'batch_to_space', 'reverse_sequence', 'sliding_windows',
    'split', 'concat'], TRANSFORMATION),
  depth_to_space: { checkedAgainst: TRANSFORMATION, difference: 'channel order for more than one output channel (depth, column, row) is read from the op definition: the test has one' },
  space_to_depth: { checkedAgainst: TRANSFORMATION, difference: 'channel order for more than one input channel is read from the op definition: the test has one' },
  reshape: { checkedAgainst: `${TRANSFORMATION}, iOS15 and iOS17/test_tensor_transformation.py (0 in shape; right-aligned from iOS17)` },
  gather: { checkedAgainst: `${SCATTER_GATHER}, iOS16 and iOS17/test_scatter_gather.py (batch_dims, index rules)`, difference: NEGATIVE_INDICES },
  gather_nd: { checkedAgainst: `${SCATTER_GATHER}, iOS16/test_scatter_gather.py (batch_dims)`, difference: NEGATIVE_INDICES },
  gather_along_axis: { checkedAgainst: SCATTER_GATHER, difference: NEGATIVE_INDICES },
  scatter: { checkedAgainst: SCATTER_GATHER, difference: `${NEGATIVE_INDICES}; repeated indices in update mode: the last wins (the tests pin no repeat there)` },
  scatter_along_axis: { checkedAgainst: SCATTER_GATHER, difference: NEGATIVE_INDICES },
  scatter_nd: { checkedAgainst: SCATTER_GATHER, difference: NEGATIVE_INDICES },
  conv: { checkedAgainst: 'iOS14/test_conv.py (same, same_lower, valid, custom with groups and dilations)' },
  conv_transpose: { checkedAgainst: 'iOS14/test_conv.py', difference: 'same and same_lower padding are read from the op definition: the tests pin custom padding only' },
  linear: { checkedAgainst: 'iOS14/test_linear.py, iOS17/test_linear.py (mixed dtypes, int32 operands)', difference: 'int32 operands multiply in fp32: exact while partial sums stay below 2^24' },
  matmul: { checkedAgainst: 'iOS14/test_linear.py, iOS17/test_linear.py (mixed dtypes, int32 operands)', difference: 'int32 operands multiply in fp32: exact while partial sums stay below 2^24' },
  avg_pool: { checkedAgainst: POOL, difference: CEIL_MODE },
  max_pool: { checkedAgainst: POOL, difference: CEIL_MODE },
  l2_pool: { checkedAgainst: POOL, difference: CEIL_MODE },
  ...checkedOps(['fill', 'non_zero', 'one_hot', 'range_1d', 'flatten2d', 'shape', 'identity'], TENSOR_OPERATION),
  ...checkedOps(['stack', 'expand_dims', 'squeeze', 'transpose', 'reverse'], TRANSFORMATION),
  constexpr_affine_dequantize: { checkedAgainst: 'iOS16/test_constexpr_ops.py' },
  constexpr_cast: { checkedAgainst: 'iOS16/test_constexpr_ops.py' },
  constexpr_lut_to_dense: { checkedAgainst: `iOS16/test_constexpr_ops.py, ${COMPRESSION} (the iOS18 form: per-group and vector palettes, a quantized lut)` },
  constexpr_sparse_to_dense: { checkedAgainst: `iOS16/test_constexpr_ops.py, ${COMPRESSION} (the iOS18 form, after the sparse-to-sparse ops)` },
  constexpr_blockwise_shift_scale: { checkedAgainst: `${COMPRESSION} (int4, uint4, int8, uint8, fp16 data; every block layout of the stress test; float offsets)` },
  constexpr_lut_to_sparse: {
    checkedAgainst: `${COMPRESSION} (scalar and vector palettes, 2- to 8-bit indices, a quantized lut)`,
    difference: 'the stress grid’s palettes per element or per row are checked at 2 bits only (larger luts run to millions of entries)',
  },
  constexpr_sparse_blockwise_shift_scale: { checkedAgainst: `${COMPRESSION} (per channel, per block, the conv-weight corner case, the stress grid)` },
  quantize: { checkedAgainst: 'iOS17/test_quantization.py', difference: 'halves round to even, as coremltools’ value inference (np.around) and the PyTorch quantizer the tests compare with; no test case sits on a tie' },
  dequantize: { checkedAgainst: 'iOS17/test_quantization.py' },
  scaled_dot_product_attention: { checkedAgainst: 'iOS18/test_transformers.py', difference: `softmax: ${FAST_EXP}` },
  slice_update: { checkedAgainst: 'iOS18/test_tensor_transformation.py' },
  pixel_unshuffle: { checkedAgainst: 'iOS16/test_tensor_transformation.py' },
  fill_like: { checkedAgainst: 'iOS16/test_tensor_operation.py' },
  select: { checkedAgainst: 'iOS14/test_control_flow.py' },
  cond: { checkedAgainst: 'iOS14/test_control_flow.py (TestCond)' },
  const: { checkedAgainst: 'iOS14/test_control_flow.py (TestConst: int32, fp16 and fp32 values; TestWhileLoop: constants read inside nested loops)' },
  classify: {
    checkedAgainst: 'frontend/torch/test/test_torch_conversion_api.py (test_classifier_from_torch_model, test_torch_classifier: the label of the largest score, string or int64 classes)',
    pinnedBy: 'conversion test',
    difference: 'ties go to the first class and NaN never wins (no test pins either); the dictionary’s values are not pinned by the tests, only its presence',
  },
  ...checkedOps(['logical_and', 'logical_or', 'logical_xor', 'logical_not'], LOGICAL, 'conversion test'),
  while_loop: {
    checkedAgainst: 'iOS14/test_control_flow.py (TestWhileLoop: smoke, power, nested)',
    difference: 'the condition may be a bool scalar or a bool [1], as the tests return; loop vars keep their shape (the definition lets a dimension change, no test does)',
  },
  real_div: { checkedAgainst: BINARY, difference: 'two int32 operands: the quotient truncated toward zero (the tests pin only positive quotients)' },
  reduce_argmax: { checkedAgainst: `${REDUCTION}, iOS17/test_reduction.py (output_dtype)` },
  reduce_argmin: { checkedAgainst: `${REDUCTION}, iOS17/test_reduction.py (output_dtype)` },
  reduce_l1_norm: { checkedAgainst: REDUCTION },
  reduce_l2_norm: { checkedAgainst: REDUCTION },
  reduce_log_sum: { checkedAgainst: REDUCTION },
  reduce_log_sum_exp: { checkedAgainst: REDUCTION },
  reduce_max: { checkedAgainst: REDUCTION },
  reduce_mean: { checkedAgainst: REDUCTION },
  reduce_min: { checkedAgainst: REDUCTION },
  reduce_prod: { checkedAgainst: REDUCTION },
  reduce_sum: { checkedAgainst: REDUCTION },
  reduce_sum_square: { checkedAgainst: REDUCTION },
  band_part: { checkedAgainst: TENSOR_OPERATION },
  cumsum: { checkedAgainst: TENSOR_OPERATION },
  pad: { checkedAgainst: TENSOR_OPERATION },
  tile: { checkedAgainst: TENSOR_OPERATION },
  topk: { checkedAgainst: `${TENSOR_OPERATION}, iOS16/test_tensor_operation.py (sort, return_indices)`, difference: 'ties keep input order (a choice: the tests pin no tie)' },
  argsort: { checkedAgainst: TENSOR_OPERATION, difference: 'ties keep input order (a choice: the tests pin no tie)' },
  lstm: { checkedAgainst: RECURRENT, difference: 'a reverse op emits steps in processing order; the backward half of bidirectional in input order' },
  gru: { checkedAgainst: RECURRENT, difference: 'reset gate applied to h before R_o (iOS18 reset_after is not implemented)' },
  rnn: { checkedAgainst: RECURRENT, difference: 'a reverse op emits steps in processing order' },
  local_response_norm: { checkedAgainst: NORMALIZATION, difference: 'axis -3 at every rank; window [c − ⌊size/2⌋, c + ⌊(size−1)/2⌋]' },
  l2_norm: { checkedAgainst: NORMALIZATION },
  batch_norm: { checkedAgainst: NORMALIZATION },
  instance_norm: { checkedAgainst: NORMALIZATION },
  layer_norm: { checkedAgainst: NORMALIZATION },
  resize: { checkedAgainst: 'iOS17/test_image_resizing.py', difference: 'NEAREST_NEIGHBOR rounds the sampling mode’s grid point, halves up (a choice: the tests pin no tie)' },
  resize_bilinear: { checkedAgainst: 'iOS14/test_image_resizing.py, iOS15/test_image_resizing.py' },
  resize_nearest_neighbor: { checkedAgainst: 'iOS14/test_image_resizing.py' },
  upsample_bilinear: { checkedAgainst: 'iOS14/test_image_resizing.py' },
  upsample_nearest_neighbor: { checkedAgainst: 'iOS14/test_image_resizing.py, iOS15/test_image_resizing.py (fractional scales)' },
  resample: { checkedAgainst: 'iOS15/test_image_resizing.py, iOS17/test_image_resizing.py', difference: 'nearest takes the upper pixel at an exact half' },
  crop: { checkedAgainst: 'iOS14/test_image_resizing.py' },
  crop_resize: {
    checkedAgainst: 'iOS14, iOS16 and iOS17/test_image_resizing.py (ALIGN_CORNERS: normalized, inverted and outside boxes, pad_value); iOS14/iOS15 resize_bilinear grids for DEFAULT, OFFSET_CORNERS and UNALIGN_CORNERS over a box',
    difference: 'DEFAULT, OFFSET_CORNERS and UNALIGN_CORNERS take the box as resize_bilinear takes the image and refuse inverted boxes or boxes leaving the image: Apple’s one such case (iOS15, UNALIGN_CORNERS, an inverted box past 1) returns the whole image resized, which no reading of the definition gives',
  },
  affine: { checkedAgainst: 'iOS15/test_image_resizing.py', difference: 'normalized_minus_one_to_one coordinates only, as the op definition allows' },
  non_maximum_suppression: {
    checkedAgainst: 'iOS15/test_tensor_operation.py (smoke test, and the TensorFlow reference its stress test computes expected values with)',
    difference: 'the iOS17 form (box axis last, no score threshold) is read from the op definition: no Apple test pins it',
  },
  einsum: { checkedAgainst: 'iOS14/test_linear.py (TestEinsum: abcd,adce->abce and vnm,mno->vno, size-1 dims broadcast)', difference: 'any two-operand letter equation, wider than the definition’s batched-matmul forms' },
  reshape_like: { checkedAgainst: 'iOS16/test_tensor_transformation.py' },
  random_uniform: RANDOM,
  random_normal: RANDOM,
  random_bernoulli: RANDOM,
  random_categorical: RANDOM,
  ...checkedOps(['list_gather', 'list_length', 'list_scatter', 'list_write'], LIST),
  make_list: { checkedAgainst: LIST, difference: LIST_WITHOUT_SHAPE },
  list_read: { checkedAgainst: LIST, difference: LIST_WITHOUT_SHAPE },
};

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** "Of N ops: a …, b …." naming the first count always and the others when not zero. */
const summary = (total: number, counts: [number, string][]) =>
  `Of ${total} ops: ${counts.filter(([n], i) => i === 0 || n > 0).map(([n, what]) => `${n} ${what}`).join(', ')}.`;

/** docs/semantics.md: every MIL op the interpreter runs, with the Apple test it was checked against. */
export function renderSemanticsMarkdown(): string {
  const families = familyIndex('kernel for MIL op', KERNEL_FAMILIES);
  const ops = [...families.keys()].sort();
  const rows = ops.map((op) => {
    const s = SEMANTICS[op];
    const source = s?.pinnedBy ? `${s.pinnedBy}: ` : '';
    return [`\`${op}\``, families.get(op)!, s ? cell(source + s.checkedAgainst) : 'not yet checked', cell(s?.difference ?? '')];
  });
  const count = (pinnedBy: OpSemantics['pinnedBy']) => ops.filter((op) => SEMANTICS[op] && SEMANTICS[op]!.pinnedBy === pinnedBy).length;
  const unchecked = ops.filter((op) => !SEMANTICS[op]).length;
  return [
    '# Interpreter semantics',
    '',
    'The reference interpreter (`src/runtime/`) judges the converter, so it follows Core ML as Apple’s',
    'own MIL op unit tests pin it down (coremltools `converters/mil/mil/ops/tests/`, run against Core ML',
    'on Apple’s CI), not the converter’s reading of the op definitions. For each op below, the tests under',
    '`test/runtime/` compute the expected values from the formulas of the Apple test file named here.',
    'Where no MIL op test covers an op, the file named is one of Apple’s conversion tests',
    '(`converters/mil/frontend/`), which run the op on Core ML against the source framework, or else the',
    'op definition alone.',
    '',
    summary(ops.length, [
      [count(undefined), 'checked against Apple’s MIL op tests'],
      [count('conversion test'), 'against Apple’s conversion tests'],
      [count('definition'), 'against the op definition only'],
      [unchecked, 'not yet checked'],
    ]),
    '',
    'Generated from `src/runtime/semantics.ts` by `npm run docs:semantics`; do not edit by hand.',
    '',
    markdownTable([['MIL op', 'Kernel family', 'Checked against (Apple test file)', 'Deliberate difference / open point'], ...rows], { alignDelimiters: false }),
    '',
  ].join('\n');
}
