import { milConst } from '../../mil/builder.js';
import { attrFloats, attrInt, attrInts, attrString, type OnnxNode } from '../../onnx/ir.js';
import { makeTensor } from '../../tensor/tensor.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { outputName, staticDims, typeOfInput } from './nn-util.js';

/**
 * ONNX TfIdfVectorizer over integer token ids, with the row length known at conversion
 * time. For a gram length n and a skip distance d, the tokens at i, i + d, …, i + (n−1)d
 * for every start i are one [N, W] slice per position; comparing each with the pool's
 * n-grams and multiplying the matches counts every occurrence at once, [N, W, G] summed
 * over W. Unigrams are counted once (skips do not change them), as ONNX Runtime does.
 * The counts per pool n-gram then go to their output columns through a 0/1 matrix
 * (ngram_indexes), after the mode weighs them per n-gram (weights are in pool order): TF
 * counts, IDF weight where present, TFIDF count · weight.
 */

interface Gram {
  tokens: number[];
  /** Position in the pool's n-gram order, which ngram_indexes maps to an output column. */
  id: number;
}

/** The pool's n-grams by length: ngram_counts[i] is where the (i + 1)-grams start in pool_int64s. */
function poolGrams(node: OnnxNode, ctx: ConvertContext): Map<number, Gram[]> {
  const pool = attrInts(node, 'pool_int64s');
  if (!pool) return ctx.unsupported(node, attrInts(node, 'pool_strings') ? 'string pools have no Core ML form' : 'pool_int64s is missing');
  const starts = attrInts(node, 'ngram_counts') ?? [0];
  const grams = new Map<number, Gram[]>();
  let id = 0;
  starts.forEach((start, i) => {
    const length = i + 1;
    const end = starts[i + 1] ?? pool.length;
    const list: Gram[] = [];
    for (let p = start; p + length <= end; p += length) list.push({ tokens: pool.slice(p, p + length), id: id++ });
    grams.set(length, list);
  });
  return grams;
}

/** How often each gram of one length occurs with one skip distance, [N, G]; undefined when no window fits. */
function countOccurrences(ctx: ConvertContext, x: string, [rows, rowLength]: readonly [number, number], grams: Gram[], distance: number, name: string): string | undefined {
  const n = grams[0]!.tokens.length;
  const windows = rowLength - (n - 1) * distance;
  if (windows <= 0) return undefined;
  let matches: string | undefined;
  for (let k = 0; k < n; k++) {
    const tokens = ctx.b.op1('slice_by_index', { x, begin: milConst.ints([0, k * distance]), end: milConst.ints([rows, k * distance + windows]) }, { name: `${name}_tokens${k}` });
    const wanted = ctx.b.const(makeTensor('int32', [1, 1, grams.length], Int32Array.from(grams, (g) => g.tokens[k]!)), `${name}_pool${k}`);
    const hit = ctx.b.op1('cast', { x: ctx.b.op1('equal', { x: ctx.b.op1('expand_dims', { x: tokens, axes: milConst.ints([-1]) }, { name: `${name}_column${k}` }), y: wanted }, { name: `${name}_equal${k}` }), dtype: milConst.str('fp32') }, { name: `${name}_hit${k}` });
    matches = matches === undefined ? hit : ctx.b.op1('mul', { x: matches, y: hit }, { name: `${name}_all${k}` });
  }
  return ctx.b.op1('reduce_sum', { x: matches!, axes: milConst.ints([1]), keep_dims: milConst.bool(false) }, { name: `${name}_count` });
}

/** Counts per pool n-gram, [N, total grams], in pool order. */
function gramCounts(node: OnnxNode, ctx: ConvertContext, x: string, size: readonly [number, number], byLength: Map<number, Gram[]>, name: string): { counts: string; order: Gram[] } {
  const minLength = attrInt(node, 'min_gram_length', 1);
  const maxLength = attrInt(node, 'max_gram_length', 1);
  const maxDistance = attrInt(node, 'max_skip_count', 0) + 1;
  const parts: string[] = [];
  const order: Gram[] = [];
  for (let n = minLength; n <= maxLength; n++) {
    const grams = byLength.get(n) ?? [];
    if (grams.length === 0) continue;
    const distances = n === 1 ? [1] : Array.from({ length: maxDistance }, (_, k) => k + 1);
    const counts = distances.map((d) => countOccurrences(ctx, x, size, grams, d, `${name}_n${n}_d${d}`)).filter((c): c is string => c !== undefined);
    if (counts.length === 0) continue;
    parts.push(counts.reduce((a, b) => ctx.b.op1('add', { x: a, y: b }, { name: `${name}_n${n}_sum` })));
    order.push(...grams);
  }
  if (parts.length === 0) return { counts: '', order };
  const counts = parts.length === 1 ? parts[0]! : ctx.b.op1('concat', { values: parts, axis: milConst.int(1), interleave: milConst.bool(false) }, { name: `${name}_counts` });
  return { counts, order };
}

const MODES = new Set(['TF', 'IDF', 'TFIDF']);

const tfIdfVectorizer: OpConverter = {
  opsets: [9, LATEST_ONNX_OPSET],
  milOps: ['expand_dims', 'slice_by_index', 'equal', 'cast', 'mul', 'reduce_sum', 'add', 'concat', 'matmul', 'greater', 'fill', 'squeeze'],
  limits: 'integer token ids (no string pools), with a static row length',
  convert(node, ctx) {
    const input = ctx.requireInput(node, 0);
    const dims = staticDims(typeOfInput(ctx, input));
    if (!dims || dims.length < 1 || dims.length > 2) return ctx.unsupported(node, 'X must be [C] or [N, C] with static sizes');
    const mode = attrString(node, 'mode', 'TF');
    if (!MODES.has(mode)) return ctx.unsupported(node, `mode ${mode} is not one of TF, IDF, TFIDF`);
    const name = outputName(node);
    const x = dims.length === 1 ? ctx.b.op1('expand_dims', { x: input, axes: milConst.ints([0]) }, { name: `${name}_row` }) : input;
    const rows = dims.length === 1 ? 1 : dims[0]!;
    const indexes = attrInts(node, 'ngram_indexes') ?? [];
    const columns = indexes.reduce((m, v) => Math.max(m, v + 1), 0);
    const { counts, order } = gramCounts(node, ctx, x, [rows, dims[dims.length - 1]!], poolGrams(node, ctx), name);
    const weights = attrFloats(node, 'weights');
    let y: string;
    if (order.length === 0) {
      y = ctx.b.const(makeTensor('float32', [rows, columns]), `${name}_none`);
    } else {
      // The mode acts per pool n-gram (weights are in pool order), before the counts go to their columns.
      let perGram = counts;
      if (mode === 'IDF') perGram = ctx.b.op1('cast', { x: ctx.b.op1('greater', { x: perGram, y: milConst.float(0) }, { name: `${name}_present` }), dtype: milConst.str('fp32') }, { name: `${name}_idf` });
      if (mode !== 'TF' && weights) perGram = ctx.b.op1('mul', { x: perGram, y: ctx.b.const(makeTensor('float32', [order.length], Float32Array.from(order, (g) => weights[g.id] ?? 0)), `${name}_weights`) }, { name: `${name}_weighted` });
      const scatter = new Float32Array(order.length * columns);
      order.forEach((g, r) => (scatter[r * columns + indexes[g.id]!] = 1));
      y = ctx.b.op1('matmul', { x: perGram, y: ctx.b.const(makeTensor('float32', [order.length, columns], scatter), `${name}_columns`) }, { name: dims.length === 1 ? `${name}_row_out` : name });
    }
    if (dims.length === 1) y = ctx.b.op1('squeeze', { x: y, axes: milConst.ints([0]) }, { name });
    ctx.setOutput(node, 0, y);
  },
};

export const textConverters: ConverterTable = { TfIdfVectorizer: tfIdfVectorizer };
