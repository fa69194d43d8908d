import { milConst } from '../../mil/builder.js';
import { targetRank } from '../../mil/ir.js';
import { attrInt, type OnnxNode } from '../../onnx/ir.js';
import { makeTensor, toNumberList } from '../../tensor/tensor.js';
import type { ConvertContext, ConverterTable, OpConverter } from '../types.js';
import { castTo } from './elementwise.js';
import { floatScalar, outputName, typeOfInput } from './nn-util.js';

/**
 * ONNX NonMaxSuppression → MIL non_maximum_suppression.
 *
 * ONNX suppresses each (batch, class) pair on its own, every box taking part
 * with its score for that class; MIL suppresses per batch, a box taking part
 * with its best class. Folding the classes into MIL's batch axis ([B·C, N, 4]
 * boxes, [B·C, N, 1] scores, class-agnostic) makes the two the same: both keep
 * scores above the threshold, take them in descending order with ties to the
 * lower index, and suppress above the IoU threshold. MIL reads boxes as
 * (centre x, centre y, width, height), which is ONNX's center_point_box = 1;
 * corner boxes are converted (IoU does not care which axis is x).
 *
 * ONNX returns as many rows as boxes were selected; a Core ML output has a
 * fixed row count. The selected (batch, class, box) rows come first, in ONNX's
 * order, then rows of -1 up to K: K is `--max-detections`, else every row the
 * node could select (B·C·min(max_output_boxes_per_class, N)). A row is valid
 * only when MIL counted it and its score is above the threshold, so MIL's
 * habit of returning its best box when none passes never leaks through.
 */

const PAD_VALUE = -1;
/** The lowest float32: the threshold that keeps every box when the node has none. */
const NO_SCORE_THRESHOLD = -3.4028234663852886e38;

interface NmsPlan {
  batches: number;
  classes: number;
  boxes: number | null;
  /** Boxes MIL keeps per (batch, class). */
  perClass: number;
  /** Rows of the output. */
  rows: number;
  iouThreshold: number;
  scoreThreshold: number;
}

/** The scalar value of a constant input; undefined when the input is omitted. */
function constantScalar(ctx: ConvertContext, node: OnnxNode, i: number, what: string): number | undefined {
  const value = ctx.constant(node, i);
  if (!value) return undefined;
  const values = toNumberList(value);
  if (values.length !== 1) ctx.unsupported(node, `${what} must hold one value, got ${values.length}`);
  return values[0]!;
}

/**
 * Refuses, in one message naming every fix, a node whose thresholds are only known
 * at run time, or whose selected-row count has no bound (a run-time
 * max_output_boxes_per_class without `--max-detections`).
 */
function refuseRunTimeInputs(node: OnnxNode, ctx: ConvertContext): void {
  const runTime = (i: number) => {
    const name = node.inputs[i];
    return name !== undefined && name !== '' && !ctx.constant(node, i) ? name : undefined;
  };
  const freeze = (name: string, value: string) => (ctx.isModelInput(name) ? `--freeze ${name}=${value}` : `--freeze the model input "${name}" is computed from`);
  const problems: string[] = [];
  const fixes: string[] = [];
  for (const [i, what] of [[3, 'iou_threshold'], [4, 'score_threshold']] as const) {
    const name = runTime(i);
    if (name === undefined) continue;
    problems.push(`${what} ("${name}")`);
    fixes.push(freeze(name, 'VALUE'));
  }
  const max = runTime(2);
  if (max !== undefined && ctx.maxDetections === undefined) {
    problems.push(`max_output_boxes_per_class ("${max}")`);
    fixes.push(`give --max-detections K${ctx.isModelInput(max) ? ` or ${freeze(max, 'N')}` : ''}`);
  }
  if (problems.length === 0) return;
  const listed = problems.length === 1 ? `${problems[0]} is` : `${problems.slice(0, -1).join(', ')} and ${problems.at(-1)} are`;
  ctx.unsupported(node, `${listed} only known at run time; Core ML's non_maximum_suppression needs constant thresholds and a bound on the selected rows: ${fixes.join('; ')}`);
}

function planOf(node: OnnxNode, ctx: ConvertContext, boxesShape: readonly (number | null)[], scoresShape: readonly (number | null)[]): NmsPlan {
  if (boxesShape.length !== 3 || scoresShape.length !== 3) ctx.unsupported(node, 'boxes must be [batches, boxes, 4] and scores [batches, classes, boxes]');
  const [batches, classes] = [boxesShape[0] ?? scoresShape[0] ?? null, scoresShape[1] ?? null];
  if (batches === null || classes === null) ctx.unsupported(node, 'the batch and class counts must be static (fix them with --input-shape)');
  refuseRunTimeInputs(node, ctx);
  const boxes = boxesShape[1] ?? scoresShape[2] ?? null;
  const iouThreshold = constantScalar(ctx, node, 3, 'iou_threshold') ?? 0;
  const scoreThreshold = constantScalar(ctx, node, 4, 'score_threshold') ?? NO_SCORE_THRESHOLD;
  const given = ctx.maxDetections;
  // An omitted max_output_boxes_per_class is 0 (nothing selected); a run-time one is bounded by --max-detections.
  const hasMax = node.inputs[2] !== undefined && node.inputs[2] !== '';
  const maxPerClass = hasMax ? constantScalar(ctx, node, 2, 'max_output_boxes_per_class') : 0;
  const perClass = Math.min(maxPerClass === undefined ? given! : Math.max(0, maxPerClass), boxes ?? Infinity);
  if (!(perClass >= 1)) ctx.unsupported(node, 'max_output_boxes_per_class is 0 (or there are no boxes): the node never selects a box');
  const rows = given ?? batches * classes * perClass;
  return { batches, classes, boxes, perClass, rows, iouThreshold, scoreThreshold };
}

/**
 * [B, N, 4] boxes as MIL's (centre x, centre y, width, height). ONNX orders a
 * corner pair itself, so a flipped box has the same extent; a centre box with a
 * negative width or height overlaps nothing in ONNX, which a width or height of
 * 0 (no area) gives in MIL.
 */
function centreBoxes(ctx: ConvertContext, node: OnnxNode, boxes: string): string {
  const b = ctx.b;
  const name = outputName(node);
  const dtype = typeOfInput(ctx, boxes).dtype;
  const parts = b.op('split', { x: boxes, num_splits: milConst.int(4), axis: milConst.int(2) }, { numOutputs: 4, name: `${name}_box_parts` }) as [string, string, string, string];
  const zero = floatScalar(0, dtype);
  const half = floatScalar(0.5, dtype);
  const centre = (a: string, c: string) => b.op1('mul', { x: b.op1('add', { x: a, y: c }), y: half });
  const extent = (a: string, c: string) => b.op1('abs', { x: b.op1('sub', { x: c, y: a }) });
  const [cx, cy, w, h] =
    attrInt(node, 'center_point_box', 0) === 1
      ? [parts[0], parts[1], b.op1('maximum', { x: parts[2], y: zero }), b.op1('maximum', { x: parts[3], y: zero })]
      : [centre(parts[1], parts[3]), centre(parts[0], parts[2]), extent(parts[1], parts[3]), extent(parts[0], parts[2])];
  return b.op1('concat', { values: [cx, cy, w, h], axis: milConst.int(2), interleave: milConst.bool(false) }, { name: `${name}_boxes_cxcywh` });
}

/** Boxes [B·C, N, 4] and scores [B·C, N, 1] (iOS15 layout): one MIL batch per ONNX (batch, class). */
function perClassBatches(ctx: ConvertContext, node: OnnxNode, plan: NmsPlan): { boxes: string; scores: string } {
  const b = ctx.b;
  const name = outputName(node);
  const centred = centreBoxes(ctx, node, ctx.requireInput(node, 0));
  const n = plan.boxes ?? -1;
  const pairs = plan.batches * plan.classes;
  const expanded = b.op1('expand_dims', { x: centred, axes: milConst.ints([1]) });
  const tiled = plan.classes === 1 ? expanded : b.op1('tile', { x: expanded, reps: milConst.ints([1, plan.classes, 1, 1]) });
  const boxes = b.op1('reshape', { x: tiled, shape: milConst.ints([pairs, n, 4]) }, { name: `${name}_class_boxes` });
  const scores = b.op1('reshape', { x: ctx.requireInput(node, 1), shape: milConst.ints([pairs, n, 1]) }, { name: `${name}_class_scores` });
  return { boxes, scores };
}

/** Runs MIL's op and returns the kept box indices [B·C, M] with a bool mask of the valid ones. */
function suppress(ctx: ConvertContext, node: OnnxNode, plan: NmsPlan): { indices: string; valid: string } {
  const b = ctx.b;
  const name = outputName(node);
  const { boxes, scores } = perClassBatches(ctx, node, plan);
  const dtype = typeOfInput(ctx, boxes).dtype;
  const pairs = plan.batches * plan.classes;
  const common = { iou_threshold: floatScalar(plan.iouThreshold, dtype), max_boxes: milConst.int(plan.perClass), per_class_suppression: milConst.bool(false) };
  const iOS17 = targetRank(ctx.target) >= targetRank('iOS17');
  const outputs = iOS17
    ? b.op('non_maximum_suppression', { ...common, boxes: b.op1('transpose', { x: boxes, perm: milConst.ints([0, 2, 1]) }), scores: b.op1('transpose', { x: scores, perm: milConst.ints([0, 2, 1]) }) }, { name: `${name}_nms`, numOutputs: 3 })
    : b.op('non_maximum_suppression', { ...common, boxes, scores, score_threshold: floatScalar(plan.scoreThreshold, dtype) }, { name: `${name}_nms`, numOutputs: 4 });
  const [, keptScores, indices, count] = outputs as [string, string, string, string | undefined];
  const flatScores = b.op1('reshape', { x: keptScores, shape: milConst.ints([pairs, plan.perClass]) });
  const aboveThreshold = b.op1('greater', { x: flatScores, y: floatScalar(plan.scoreThreshold, dtype) });
  // iOS15 counts the kept boxes; iOS17 only pads the indices (with -1) after them.
  const slot = milConst.ints(Array.from({ length: plan.perClass }, (_, j) => j));
  const counted =
    count === undefined
      ? b.op1('greater_equal', { x: indices, y: milConst.int(0) })
      : b.op1('less', { x: slot, y: b.op1('reshape', { x: count, shape: milConst.ints([pairs, 1]) }) });
  const conditions = [counted, aboveThreshold];
  // A run-time max_output_boxes_per_class (bounded by --max-detections) still limits each class.
  const runTimeMax = ctx.constant(node, 2) ? undefined : ctx.input(node, 2);
  if (runTimeMax !== undefined) {
    const limit = b.op1('reshape', { x: castTo(ctx, runTimeMax, 'int32'), shape: milConst.ints([1, 1]) });
    conditions.push(b.op1('less', { x: slot, y: limit }));
  }
  const last = conditions.length - 2;
  const valid = conditions.slice(1).reduce((all, c, k) => b.op1('logical_and', { x: all, y: c }, k === last ? { name: `${name}_valid` } : {}), conditions[0]!);
  return { indices, valid };
}

/** The (batch, class) of every slot of the [B·C, M] result, flattened: [B·C·M, 2]. */
function slotOwners(plan: NmsPlan): Int32Array {
  const slots = plan.batches * plan.classes * plan.perClass;
  const owners = new Int32Array(slots * 2);
  for (let p = 0; p < slots; p++) {
    const pair = Math.floor(p / plan.perClass);
    owners[2 * p] = Math.floor(pair / plan.classes);
    owners[2 * p + 1] = pair % plan.classes;
  }
  return owners;
}

/**
 * Packs the valid slots, in slot order (batch, class, selection order), into the
 * first rows of a [K, 3] tensor and fills the rest with -1: each slot gets a key,
 * its position when valid and its position + slots when not, and the K smallest
 * keys pick the rows.
 */
function packRows(ctx: ConvertContext, node: OnnxNode, plan: NmsPlan, indices: string, valid: string): string {
  const b = ctx.b;
  const name = outputName(node);
  const slots = plan.batches * plan.classes * plan.perClass;
  const shape = [plan.batches * plan.classes, plan.perClass];
  const position = makeTensor('int32', shape, Int32Array.from({ length: slots }, (_, p) => p));
  const later = makeTensor('int32', shape, Int32Array.from({ length: slots }, (_, p) => p + slots));
  const keys = b.op1('reshape', { x: b.op1('select', { cond: valid, a: position, b: later }), shape: milConst.ints([slots]) });
  const taken = Math.min(plan.rows, slots);
  const [sortedKeys, order] = b.op('topk', { x: keys, k: milConst.int(taken), axis: milConst.int(0), ascending: milConst.bool(true) }, { numOutputs: 2 }) as [string, string];
  const rows = b.op1('concat', {
    values: [makeTensor('int32', [slots, 2], slotOwners(plan)), b.op1('reshape', { x: indices, shape: milConst.ints([slots, 1]) })],
    axis: milConst.int(1),
    interleave: milConst.bool(false),
  });
  const picked = b.op1('gather', { x: rows, indices: order, axis: milConst.int(0) });
  const isValid = b.op1('reshape', { x: b.op1('less', { x: sortedKeys, y: milConst.int(slots) }), shape: milConst.ints([taken, 1]) });
  const last = plan.rows > slots ? `${name}_valid_rows` : name;
  const packed = b.op1('select', { cond: isValid, a: picked, b: milConst.int(PAD_VALUE) }, { name: last });
  if (plan.rows <= slots) return packed;
  const padding = makeTensor('int32', [plan.rows - slots, 3], new Int32Array((plan.rows - slots) * 3).fill(PAD_VALUE));
  return b.op1('concat', { values: [packed, padding], axis: milConst.int(0), interleave: milConst.bool(false) }, { name });
}

const nonMaxSuppression: OpConverter = {
  opsets: [10, 22],
  milOps: ['non_maximum_suppression', 'split', 'add', 'mul', 'sub', 'abs', 'maximum', 'concat', 'expand_dims', 'tile', 'reshape', 'transpose', 'greater', 'greater_equal', 'less', 'logical_and', 'select', 'topk', 'gather', 'cast'],
  limits:
    'iou_threshold and score_threshold must be constants (or frozen inputs), the batch and class counts static; ' +
    'selected_indices is padded to K rows of -1 after the selected ones: K from --max-detections, else batches·classes·max_output_boxes_per_class (which must then be constant)',
  convert(node, ctx) {
    const boxesShape = typeOfInput(ctx, ctx.requireInput(node, 0)).shape;
    const scoresShape = typeOfInput(ctx, ctx.requireInput(node, 1)).shape;
    const plan = planOf(node, ctx, boxesShape, scoresShape);
    const { indices, valid } = suppress(ctx, node, plan);
    ctx.setOutput(node, 0, packRows(ctx, node, plan, indices, valid));
    ctx.padOutput(node, 0, { rows: plan.rows, padValue: PAD_VALUE });
    const most = plan.batches * plan.classes * plan.perClass;
    const truncation = plan.rows < most ? `; it can select up to ${most}, and rows beyond ${plan.rows} are dropped` : '';
    ctx.warn(node, `selected_indices is padded to ${plan.rows} rows: the selected (batch, class, box) rows first, then rows of ${PAD_VALUE}${truncation}`);
  },
};

export const nmsConverters: ConverterTable = {
  NonMaxSuppression: nonMaxSuppression,
};
