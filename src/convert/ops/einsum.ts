import { milConst } from '../../mil/builder.js';
import { attrString, type OnnxNode } from '../../onnx/ir.js';
import { makeTensor, type Tensor } from '../../tensor/tensor.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';

/**
 * Einsum lowered to MIL's general ops (MIL's own einsum takes two fixed
 * equations only): repeated labels within an operand become a diagonal
 * gather, labels nobody needs are summed out with reduce_sum, each pair of
 * operands contracts as one batched matmul over [batch, free, contracted]
 * layouts, and a final transpose puts the labels in output order. Det
 * expands cofactors for matrices up to 4 × 4.
 */

interface Term {
  value: string;
  /** One label per dim. */
  labels: string[];
  dims: number[];
}

interface Equation {
  inputs: string[][];
  output: string[];
}

/** Labels of one term, with "..." expanded into `count` shared placeholder labels (right-aligned). */
function expandEllipsis(node: OnnxNode, ctx: ConvertContext, term: string, rank: number | undefined, maxEllipsis: number): string[] {
  const parts = term.split('...');
  if (parts.length > 2) return ctx.unsupported(node, `"${term}" has more than one ellipsis`);
  const letters = parts.join('').split('');
  if (letters.some((c) => !/^[a-zA-Z]$/.test(c))) return ctx.unsupported(node, `"${term}" has a label that is not a letter`);
  if (parts.length === 1) return letters;
  const count = rank === undefined ? maxEllipsis : rank - letters.length;
  if (count < 0) return ctx.unsupported(node, `"${term}" has more labels than its operand has dims`);
  const ellipsis = Array.from({ length: count }, (_, i) => `.${maxEllipsis - count + i}`);
  return [...parts[0]!.split(''), ...ellipsis, ...parts[1]!.split('')];
}

function parseEquation(node: OnnxNode, ctx: ConvertContext, ranks: number[]): Equation {
  const eq = attrString(node, 'equation', '').replace(/\s+/g, '');
  const [lhs, rhs] = eq.split('->');
  const terms = lhs!.split(',');
  if (terms.length !== ranks.length) return ctx.unsupported(node, `the equation has ${terms.length} operands, the node ${ranks.length}`);
  const maxEllipsis = Math.max(0, ...terms.map((t, i) => (t.includes('...') ? ranks[i]! - t.replace('...', '').length : 0)));
  const inputs = terms.map((t, i) => expandEllipsis(node, ctx, t, ranks[i], maxEllipsis));
  if (rhs !== undefined) return { inputs, output: expandEllipsis(node, ctx, rhs, undefined, maxEllipsis) };
  // Implicit output: the ellipsis dims, then every label used once, alphabetically.
  const counts = new Map<string, number>();
  for (const l of inputs.flat()) counts.set(l, (counts.get(l) ?? 0) + 1);
  const ellipsis = [...counts.keys()].filter((l) => l.startsWith('.')).sort();
  const once = [...counts].filter(([l, n]) => n === 1 && !l.startsWith('.')).map(([l]) => l).sort();
  return { inputs, output: [...ellipsis, ...once] };
}

function op(ctx: ConvertContext, type: string, args: Record<string, string | Tensor>, name: string): string {
  return ctx.b.op1(type, args, { name });
}

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Moves the dims into the order of `labels` (no op when already there). */
function permute(ctx: ConvertContext, t: Term, labels: string[], name: string): Term {
  const perm = labels.map((l) => t.labels.indexOf(l));
  if (perm.every((p, i) => p === i)) return t;
  return { value: op(ctx, 'transpose', { x: t.value, perm: milConst.ints(perm) }, name), labels, dims: perm.map((p) => t.dims[p]!) };
}

function reshape(ctx: ConvertContext, value: string, shape: number[], name: string): string {
  return op(ctx, 'reshape', { x: value, shape: milConst.ints(shape) }, name);
}

/** Takes the diagonal of every label that appears twice in one operand. */
function takeDiagonals(node: OnnxNode, ctx: ConvertContext, t: Term, name: string): Term {
  const repeated = t.labels.find((l, i) => t.labels.indexOf(l) !== i);
  if (repeated === undefined) return t;
  const [p, q] = [t.labels.indexOf(repeated), t.labels.lastIndexOf(repeated)];
  const n = t.dims[p]!;
  if (t.dims[q] !== n) return ctx.unsupported(node, `label ${repeated} spans dims of sizes ${n} and ${t.dims[q]}`);
  // Move the pair to the end by position (the labels are not unique yet), flatten it, and gather i·(n + 1).
  const others = t.labels.flatMap((_, i) => (i === p || i === q ? [] : [i]));
  const perm = [...others, p, q];
  const moved = perm.every((v, i) => v === i) ? t.value : op(ctx, 'transpose', { x: t.value, perm: milConst.ints(perm) }, `${name}_pair`);
  const outer = others.map((i) => t.dims[i]!);
  const flat = reshape(ctx, moved, [...outer, n * n], `${name}_flat`);
  const diagonal = Array.from({ length: n }, (_, i) => i * (n + 1));
  const value = op(ctx, 'gather', { x: flat, indices: milConst.ints(diagonal), axis: milConst.int(outer.length) }, `${name}_diag`);
  return takeDiagonals(node, ctx, { value, labels: [...others.map((i) => t.labels[i]!), repeated], dims: [...outer, n] }, `${name}_d`);
}

/** Sums out the labels no later step needs. */
function sumUnneeded(ctx: ConvertContext, t: Term, needed: Set<string>, name: string): Term {
  const axes = t.labels.flatMap((l, i) => (needed.has(l) ? [] : [i]));
  if (axes.length === 0) return t;
  const value = op(ctx, 'reduce_sum', { x: t.value, axes: milConst.ints(axes), keep_dims: milConst.bool(false) }, name);
  return { value, labels: t.labels.filter((l) => needed.has(l)), dims: t.dims.filter((_, i) => !axes.includes(i)) };
}

/** One batched matmul: A [batch, left, shared] × B [batch, shared, right]. */
function contract(node: OnnxNode, ctx: ConvertContext, a: Term, b: Term, needed: Set<string>, name: string): Term {
  const inB = new Set(b.labels);
  const batch = a.labels.filter((l) => inB.has(l) && needed.has(l));
  const shared = a.labels.filter((l) => inB.has(l) && !needed.has(l));
  const left = a.labels.filter((l) => !inB.has(l));
  const right = b.labels.filter((l) => !a.labels.includes(l));
  for (const l of [...batch, ...shared]) {
    if (a.dims[a.labels.indexOf(l)] !== b.dims[b.labels.indexOf(l)]) return ctx.unsupported(node, `label ${l.startsWith('.') ? '...' : l} has different sizes in the two operands (broadcasting is not supported)`);
  }
  const pa = permute(ctx, a, [...batch, ...left, ...shared], `${name}_a`);
  const pb = permute(ctx, b, [...batch, ...shared, ...right], `${name}_b`);
  const size = (t: Term, labels: string[]): number[] => labels.map((l) => t.dims[t.labels.indexOf(l)]!);
  const [bd, ld, sd, rd] = [size(pa, batch), size(pa, left), size(pa, shared), size(pb, right)];
  const x = reshape(ctx, pa.value, [product(bd), product(ld), product(sd)], `${name}_a3`);
  const y = reshape(ctx, pb.value, [product(bd), product(sd), product(rd)], `${name}_b3`);
  const mm = op(ctx, 'matmul', { x, y, transpose_x: milConst.bool(false), transpose_y: milConst.bool(false) }, `${name}_mm`);
  const dims = [...bd, ...ld, ...rd];
  return { value: reshape(ctx, mm, dims, `${name}_out`), labels: [...batch, ...left, ...right], dims };
}

function neededAfter(terms: Term[], from: number, output: string[]): Set<string> {
  return new Set([...output, ...terms.slice(from).flatMap((t) => t.labels)]);
}

const einsum: OpConverter = {
  opsets: [12, LATEST_ONNX_OPSET],
  milOps: ['transpose', 'reshape', 'gather', 'reduce_sum', 'matmul'],
  limits: 'static shapes; operands whose shared labels have equal sizes (no broadcasting)',
  convert(node, ctx) {
    const name = node.outputs[0]!;
    const values = node.inputs.map((_, i) => ctx.requireInput(node, i));
    const types = values.map((v) => ctx.b.typeOf(v));
    const dimsList = types.map((t) => t.shape.every((d): d is number => d !== null) ? (t.shape as number[]) : ctx.unsupported(node, 'operand shapes must be static'));
    const eq = parseEquation(node, ctx, dimsList.map((d) => d.length));
    let terms: Term[] = values.map((value, i) => {
      if (eq.inputs[i]!.length !== dimsList[i]!.length) return ctx.unsupported(node, `operand ${i} has rank ${dimsList[i]!.length}, its term ${eq.inputs[i]!.length} labels`);
      return takeDiagonals(node, ctx, { value, labels: eq.inputs[i]!, dims: dimsList[i]! }, `${name}_in${i}`);
    });
    terms = terms.map((t, i) => sumUnneeded(ctx, t, neededAfter(terms.filter((_, j) => j !== i), 0, eq.output), `${name}_sum${i}`));
    let acc = terms[0]!;
    for (let i = 1; i < terms.length; i++) acc = contract(node, ctx, acc, terms[i]!, neededAfter(terms, i + 1, eq.output), `${name}_c${i}`);
    acc = sumUnneeded(ctx, acc, new Set(eq.output), `${name}_final_sum`);
    if (eq.output.some((l) => !acc.labels.includes(l))) return ctx.unsupported(node, 'an output label does not appear in any operand');
    const out = permute(ctx, acc, eq.output, name);
    ctx.setOutput(node, 0, out.value);
  },
};

/** Determinants of [..., n, n] by cofactor expansion along the top row, minors shared. */
class Cofactors {
  private readonly memo = new Map<string, string>();
  private readonly elements = new Map<string, string>();

  constructor(private readonly ctx: ConvertContext, private readonly x: string, private readonly rank: number, private readonly name: string) {}

  /** x[..., i, j] kept as [..., 1, 1]. */
  element(i: number, j: number): string {
    const key = `${i},${j}`;
    const cached = this.elements.get(key);
    if (cached) return cached;
    const lead = this.rank - 2;
    const mask = (v: boolean[]) => makeTensor('bool', [this.rank], Uint8Array.from(v, (f) => (f ? 1 : 0)));
    const leading = Array.from({ length: this.rank }, (_, d) => d < lead);
    const value = op(this.ctx, 'slice_by_index', {
      x: this.x, begin: milConst.ints([...new Array<number>(lead).fill(0), i, j]), end: milConst.ints([...new Array<number>(lead).fill(0), i + 1, j + 1]),
      begin_mask: mask(leading), end_mask: mask(leading),
    }, `${this.name}_e${i}${j}`);
    this.elements.set(key, value);
    return value;
  }

  /** Determinant of rows row… and the given columns. */
  minor(row: number, cols: number[]): string {
    if (cols.length === 1) return this.element(row, cols[0]!);
    const key = `${row}:${cols.join(',')}`;
    const cached = this.memo.get(key);
    if (cached) return cached;
    let acc: string | undefined;
    cols.forEach((c, k) => {
      const term = op(this.ctx, 'mul', { x: this.element(row, c), y: this.minor(row + 1, cols.filter((_, m) => m !== k)) }, `${this.name}_t${key}_${k}`);
      acc = acc === undefined ? term : op(this.ctx, k % 2 === 0 ? 'add' : 'sub', { x: acc, y: term }, `${this.name}_s${key}_${k}`);
    });
    this.memo.set(key, acc!);
    return acc!;
  }
}

const MAX_DET_SIZE = 4;

const det: OpConverter = {
  opsets: [11, LATEST_ONNX_OPSET],
  milOps: ['slice_by_index', 'mul', 'add', 'sub', 'squeeze'],
  limits: `static matrices up to ${MAX_DET_SIZE} × ${MAX_DET_SIZE} (cofactor expansion)`,
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const t = ctx.b.typeOf(x);
    const [rows, cols] = t.shape.slice(-2);
    if (t.shape.length < 2 || rows !== cols || typeof rows !== 'number') return ctx.unsupported(node, 'the input must end in a static square matrix');
    if (rows > MAX_DET_SIZE) return ctx.unsupported(node, `${rows} × ${rows} matrices (cofactor expansion is limited to ${MAX_DET_SIZE} × ${MAX_DET_SIZE})`);
    if (t.dtype !== 'float32' && t.dtype !== 'float16') return ctx.unsupported(node, `determinants of ${t.dtype} tensors`);
    const name = node.outputs[0]!;
    const value = new Cofactors(ctx, x, t.shape.length, name).minor(0, Array.from({ length: rows }, (_, i) => i));
    const rank = t.shape.length;
    ctx.setOutput(node, 0, op(ctx, 'squeeze', { x: value, axes: milConst.ints([rank - 2, rank - 1]) }, name));
  },
};

export const einsumConverters: ConverterTable = { Einsum: einsum, Det: det };
