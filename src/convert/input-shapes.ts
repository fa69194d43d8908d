import { ModelInputError } from '../errors.js';
import { targetRank, type DeploymentTarget } from '../mil/ir.js';
import type { OnnxDim, OnnxModel, OnnxValueInfo } from '../onnx/ir.js';
import { formatShape } from '../tensor/tensor.js';
import { SYMBOLIC_DIM_UPPER_BOUND } from './edges.js';

/**
 * The user's say over model input shapes, applied before shape inference:
 *
 * - `inputShapes` replaces an input's declared shape (symbolic or static), so
 *   everything that depends only on it becomes static;
 * - `ranges` keeps chosen dims dynamic in the program and declares them with
 *   a bounded `shapeRange` (ML programs forbid unbounded ones);
 * - `enumeratedShapes` declares a list of accepted shapes; dims that differ
 *   across the list stay dynamic in the program.
 *
 * Core ML's own rules (coreml-format §5.3) are checked here, where the
 * message can name the option: a model may not mix ranges and enumerated
 * shapes, and before iOS18 only one input may be enumerated. Several
 * enumerated inputs below iOS18 are refused rather than the target raised,
 * because the deployment target is a promise the user made to their users.
 */

export interface InputShapeOptions {
  /** Input name → the shape it is converted at. */
  inputShapes?: Record<string, number[]>;
  /** Input name → (dim index or symbolic dim name → [min, max]). */
  ranges?: Record<string, Record<string, [number, number]>>;
  /** Input name → the shapes it accepts; the first is the default. */
  enumeratedShapes?: Record<string, number[][]>;
  /**
   * The row count a data-dependent output is padded to (`--max-detections`): ONNX
   * NonMaxSuppression selects a number of boxes only known at run time, Core ML's
   * outputs have a fixed bound. Not an input shape, but a shape decision made with them.
   */
  maxDetections?: number;
}

/** How one flexible input is described: its default shape and its flexibility. */
export interface InputDeclaration {
  shape: number[];
  shapeRange?: [number, number][];
  enumeratedShapes?: number[][];
}

export interface ShapedModel {
  /** The model with the inputs' graph shapes replaced (dynamic dims symbolic). */
  model: OnnxModel;
  /** Descriptions of the inputs given a range or enumerated shapes, by input name. */
  declarations: Map<string, InputDeclaration>;
  warnings: string[];
}

/** The most shapes Core ML documents for one enumerated input. */
export const MAX_ENUMERATED_SHAPES = 128;

class Failure {
  constructor(readonly file: string | undefined) {}
  usage(message: string): never {
    throw new ModelInputError('USAGE', message, this.file === undefined ? {} : { file: this.file });
  }
}

function isEmpty(options: InputShapeOptions): boolean {
  return [options.inputShapes, options.ranges, options.enumeratedShapes].every((r) => r === undefined || Object.keys(r).length === 0);
}

const showDims = (dims: readonly OnnxDim[]): string => formatShape(dims.map((d) => (typeof d === 'number' ? d : null)));

/** Applies the shape options to the model's inputs; the model is not changed. */
export function applyInputShapeOptions(model: OnnxModel, options: InputShapeOptions, target: DeploymentTarget): ShapedModel {
  if (isEmpty(options)) return { model, declarations: new Map(), warnings: [] };
  const fail = new Failure(model.sourcePath);
  checkNames(model, options, fail);
  const declarations = new Map<string, InputDeclaration>();
  const warnings: string[] = [];
  const effective = withSharedDims(model.graph.inputs, options, warnings);
  const inputs = model.graph.inputs.map((info) => {
    const shaped = shapeInput(info, effective, fail, warnings);
    if (shaped.declaration) declarations.set(info.name, shaped.declaration);
    return shaped.info;
  });
  checkModelRules(inputs, declarations, target, fail);
  return { model: { ...model, graph: { ...model.graph, inputs } }, declarations, warnings };
}

/**
 * A symbolic dim name means the same size everywhere in an ONNX model, so an input the
 * user did not mention takes the size (or range) given for a dim of the same name on
 * another input: `--input-shape input_ids=1x128` also fixes attention_mask's [batch, seq].
 */
function withSharedDims(inputs: readonly OnnxValueInfo[], options: InputShapeOptions, warnings: string[]): InputShapeOptions {
  const known = sharedDimBounds(inputs, options);
  if (known.size === 0) return options;
  const mentioned = (name: string) => [options.inputShapes, options.ranges, options.enumeratedShapes].some((r) => r !== undefined && Object.hasOwn(r, name));
  const inputShapes = { ...options.inputShapes };
  const ranges = { ...options.ranges };
  for (const info of inputs) {
    const symbolic = [...new Set((info.shape ?? []).filter((d): d is string => typeof d === 'string'))];
    const followed = symbolic.filter((d) => known.has(d));
    if (mentioned(info.name) || followed.length === 0) continue;
    const described = followed.map((d) => `${d} (${showBounds(known.get(d)!.bounds)} from "${known.get(d)!.from}")`).join(', ');
    warnings.push(`input "${info.name}": symbolic dim ${described} follows the input that shares its name`);
    const allFixed = symbolic.every((d) => known.has(d) && known.get(d)!.bounds[0] === known.get(d)!.bounds[1]);
    if (allFixed) inputShapes[info.name] = info.shape!.map((d) => (typeof d === 'number' ? d : known.get(d ?? '')!.bounds[0]));
    else ranges[info.name] = Object.fromEntries(followed.map((d) => [d, known.get(d)!.bounds]));
  }
  return { ...options, inputShapes, ranges };
}

const showBounds = ([min, max]: readonly [number, number]): string => (min === max ? `${min}` : `${min}..${max}`);

/** Sizes and ranges the options give symbolic dims, by dim name, with the input that gave them. */
function sharedDimBounds(inputs: readonly OnnxValueInfo[], options: InputShapeOptions): Map<string, { bounds: [number, number]; from: string }> {
  const known = new Map<string, { bounds: [number, number]; from: string }>();
  const note = (dim: OnnxDim | undefined, bounds: [number, number], from: string) => {
    if (typeof dim === 'string' && !known.has(dim)) known.set(dim, { bounds, from });
  };
  for (const info of inputs) {
    const dims = info.shape ?? [];
    for (const [key, bounds] of Object.entries(options.ranges?.[info.name] ?? {})) {
      note(/^\d+$/.test(key) ? dims[Number(key)] : key, bounds, info.name);
    }
    const fixed = options.inputShapes?.[info.name];
    if (!fixed || options.ranges?.[info.name] || options.enumeratedShapes?.[info.name]) continue;
    dims.forEach((d, i) => fixed[i] !== undefined && note(d, [fixed[i]!, fixed[i]!], info.name));
  }
  return known;
}

function checkNames(model: OnnxModel, options: InputShapeOptions, fail: Failure): void {
  const names = new Set(model.graph.inputs.map((i) => i.name));
  const known = [...names].join(', ') || '(none)';
  const groups: [string, Record<string, unknown> | undefined][] = [
    ['an input shape', options.inputShapes],
    ['a range', options.ranges],
    ['enumerated shapes', options.enumeratedShapes],
  ];
  for (const [what, record] of groups) {
    for (const name of Object.keys(record ?? {})) {
      if (!names.has(name)) fail.usage(`cannot give "${name}" ${what}: the model has no input of that name (inputs: ${known})`);
    }
  }
  for (const name of Object.keys(options.ranges ?? {})) {
    if (options.enumeratedShapes?.[name]) fail.usage(`input "${name}" is given both a range and enumerated shapes; Core ML allows one kind of flexibility`);
  }
}

function shapeInput(info: OnnxValueInfo, options: InputShapeOptions, fail: Failure, warnings: string[]): { info: OnnxValueInfo; declaration?: InputDeclaration } {
  const fixed = options.inputShapes?.[info.name];
  if (fixed) checkShape(info, fixed, 'input shape', fail);
  const ranges = options.ranges?.[info.name];
  const enumerated = options.enumeratedShapes?.[info.name];
  if (ranges) return rangedInput(info, ranges, fixed, fail, warnings);
  if (enumerated) return enumeratedInput(info, enumerated, fixed, fail);
  return fixed ? { info: { ...info, shape: [...fixed] } } : { info };
}

/** A shape must be positive integers, and of the declared rank when the model declares one. */
function checkShape(info: OnnxValueInfo, shape: readonly number[], what: string, fail: Failure): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 1)) fail.usage(`input "${info.name}": ${what} ${formatShape(shape)} must have positive integer sizes`);
  if (info.shape !== undefined && info.shape.length !== shape.length) {
    fail.usage(`input "${info.name}" has rank ${info.shape.length} (${showDims(info.shape)}), but the ${what} ${formatShape(shape)} has rank ${shape.length}`);
  }
}

/** Dim indices a range key names: an index, or every dim with that symbolic name. */
function dimsNamed(info: OnnxValueInfo, dims: readonly OnnxDim[], key: string, fail: Failure): number[] {
  if (/^\d+$/.test(key)) {
    const axis = Number(key);
    if (axis >= dims.length) fail.usage(`input "${info.name}" has rank ${dims.length}, so it has no dim ${axis}`);
    return [axis];
  }
  const axes = dims.flatMap((d, i) => (d === key ? [i] : []));
  if (axes.length === 0) {
    const symbolic = [...new Set(dims.filter((d): d is string => typeof d === 'string'))];
    const hint = symbolic.length > 0 ? `its symbolic dims are ${symbolic.join(', ')}` : 'it has no symbolic dims; name the dim by its index';
    fail.usage(`input "${info.name}" has no dim named "${key}" (${hint})`);
  }
  return axes;
}

function rangedInput(
  info: OnnxValueInfo,
  ranges: Record<string, [number, number]>,
  fixed: number[] | undefined,
  fail: Failure,
  warnings: string[],
): { info: OnnxValueInfo; declaration: InputDeclaration } {
  const dims = info.shape ?? fixed;
  if (dims === undefined) fail.usage(`input "${info.name}" declares no shape; give it an input shape too so its rank is known`);
  const bounds = new Map<number, [number, number]>();
  for (const [key, range] of Object.entries(ranges)) {
    const [min, max] = range;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1) {
      fail.usage(`input "${info.name}": range ${min}..${max} for dim ${key} must be positive integers`);
    }
    if (min > max) fail.usage(`input "${info.name}": range ${min}..${max} for dim ${key} has its minimum above its maximum`);
    for (const axis of dimsNamed(info, dims, key, fail)) bounds.set(axis, [min, max]);
  }
  const unbounded: number[] = [];
  const shapeRange = dims.map((d, i): [number, number] => {
    const b = bounds.get(i);
    if (b) return b;
    const size = fixed?.[i] ?? d;
    if (typeof size === 'number') return [size, size];
    unbounded.push(i);
    return [1, SYMBOLIC_DIM_UPPER_BOUND];
  });
  const shape = shapeRange.map(([min], i) => fixed?.[i] ?? min);
  shape.forEach((size, i) => {
    const [min, max] = shapeRange[i]!;
    if (size < min || size > max) {
      fail.usage(`input "${info.name}": default size ${size} of dim ${i} (from its input shape) lies outside its range ${min}..${max}`);
    }
  });
  if (unbounded.length > 0) {
    warnings.push(
      `input "${info.name}": dimension ${unbounded.join(', ')} is symbolic and has no range; declared as 1..${SYMBOLIC_DIM_UPPER_BOUND} with default 1.`,
    );
  }
  const graphDims = dims.map((d, i): OnnxDim => (shapeRange[i]![0] === shapeRange[i]![1] ? shape[i]! : symbolicName(info.name, d, i)));
  return { info: { ...info, shape: graphDims }, declaration: { shape, shapeRange } };
}

/** A dim that stays dynamic keeps its symbolic name, or gets one that no other input shares. */
function symbolicName(input: string, dim: OnnxDim, axis: number): string {
  return typeof dim === 'string' ? dim : `${input}__dim${axis}`;
}

function enumeratedInput(
  info: OnnxValueInfo,
  shapes: number[][],
  fixed: number[] | undefined,
  fail: Failure,
): { info: OnnxValueInfo; declaration: InputDeclaration } {
  if (shapes.length === 0) fail.usage(`input "${info.name}": enumerated shapes need at least one shape`);
  if (shapes.length > MAX_ENUMERATED_SHAPES) {
    fail.usage(`input "${info.name}" has ${shapes.length} enumerated shapes; Core ML takes at most ${MAX_ENUMERATED_SHAPES}`);
  }
  shapes.forEach((s) => checkShape(info, s, 'enumerated shape', fail));
  const rank = shapes[0]!.length;
  if (shapes.some((s) => s.length !== rank)) fail.usage(`input "${info.name}": enumerated shapes must all have the same rank`);
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  if (fixed && !shapes.some((s) => same(s, fixed))) {
    fail.usage(`input "${info.name}": input shape ${formatShape(fixed)} is not one of its enumerated shapes, so it cannot be the default`);
  }
  const declared = info.shape;
  const graphDims = shapes[0]!.map((size, i): OnnxDim =>
    shapes.every((s) => s[i] === size) ? size : symbolicName(info.name, declared?.[i] ?? null, i),
  );
  return {
    info: { ...info, shape: graphDims },
    declaration: { shape: [...(fixed ?? shapes[0]!)], enumeratedShapes: shapes.map((s) => [...s]) },
  };
}

/** Core ML's rules across inputs: no mixing of ranges and enumerated shapes; several enumerated inputs only from iOS18. */
function checkModelRules(inputs: readonly OnnxValueInfo[], declarations: ReadonlyMap<string, InputDeclaration>, target: DeploymentTarget, fail: Failure): void {
  const enumerated = [...declarations].filter(([, d]) => d.enumeratedShapes);
  if (enumerated.length === 0) return;
  const ranged = [...declarations].filter(([, d]) => d.shapeRange).map(([name]) => name);
  // An undeclared symbolic dim is described with a range, so it would mix too.
  const symbolic = inputs.filter((i) => !declarations.has(i.name) && (i.shape ?? []).some((d) => typeof d !== 'number')).map((i) => i.name);
  const names = enumerated.map(([name]) => `"${name}"`).join(', ');
  if (ranged.length > 0) fail.usage(`inputs ${names} have enumerated shapes and "${ranged[0]}" a range; Core ML rejects models that mix the two`);
  if (symbolic.length > 0) {
    fail.usage(
      `input "${symbolic[0]}" has symbolic dims, which are declared as a range, while ${names} has enumerated shapes; ` +
        'Core ML rejects models that mix the two, so give it an input shape or enumerated shapes as well',
    );
  }
  if (enumerated.length > 1 && targetRank(target) < targetRank('iOS18')) {
    fail.usage(`inputs ${names} all have enumerated shapes, which Core ML allows only from iOS18 (target is ${target}); raise the target or enumerate one input`);
  }
  const counts = new Set(enumerated.map(([, d]) => d.enumeratedShapes!.length));
  if (counts.size > 1) {
    fail.usage(`inputs ${names} have different numbers of enumerated shapes; Core ML matches several enumerated inputs by index, so the counts must be equal`);
  }
}
