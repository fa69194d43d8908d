import { ToolError } from '../errors.js';
import type { MilOperation, MilTensorType } from '../mil/ir.js';
import { makeTensor, type Tensor } from '../tensor/tensor.js';
import { NMS_NAMES } from './nms-pipeline.js';
import type { ProgramEditor } from './program-edit.js';
import type { BoxFormat, DetectorLayout, DetectorRecord } from './types.js';

/**
 * The ML program side of `--nms`: raw detector outputs become the rows Core ML's
 * NonMaximumSuppression reads, `raw_confidence` [N, C] and `raw_coordinates` [N, 4] in
 * normalized (cx, cy, w, h), float32. Layouts:
 *  - `separate`: boxes [1, N, 4] and class scores [1, N, C], two outputs;
 *  - `yolov8`: one [1, 4 + C, N] tensor (boxes then class scores, one column per box);
 *  - `yolov5`: one [1, N, 5 + C] tensor (box, objectness, class scores); a class's
 *    confidence is objectness × class score.
 * Box format and units become one [4, 4] matmul: xyxy → cxcywh and the division by the
 * image width and height together.
 */

const usage = (message: string): ToolError => new ToolError('USAGE', message);

type StaticShape = number[];

function staticShape(editor: ProgramEditor, name: string): StaticShape {
  const type = editor.typeOf(name);
  if (type.shape.some((d) => d === null)) throw usage(`--nms needs output "${name}" to have a static shape (it is [${type.shape.map((d) => d ?? '?').join(', ')}])`);
  if (type.dtype !== 'float32' && type.dtype !== 'float16') throw usage(`--nms needs float outputs; "${name}" is ${type.dtype}`);
  return type.shape as number[];
}

/** The layout the outputs have: given, or read from their shapes. */
export function resolveLayout(editor: ProgramEditor, outputs: readonly string[], layout: DetectorLayout): Exclude<DetectorLayout, 'auto'> {
  const shapes = outputs.map((o) => staticShape(editor, o));
  const described = outputs.map((o, i) => `"${o}" [${shapes[i]!.join(', ')}]`).join(', ');
  if (layout === 'auto') {
    if (shapes.length === 2) return 'separate';
    if (shapes.length === 1 && shapes[0]!.length === 3) return shapes[0]![1]! < shapes[0]![2]! ? 'yolov8' : 'yolov5';
    throw usage(`--nms cannot tell the detector layout from the outputs ${described}; expected boxes [1, N, 4] and scores [1, N, C], or one [1, 4+C, N] or [1, N, 5+C] tensor (set --nms-layout)`);
  }
  const wanted = layout === 'separate' ? 2 : 1;
  if (shapes.length !== wanted) throw usage(`--nms-layout ${layout} takes ${wanted} output(s); the model has ${described}`);
  return layout;
}

function int32(values: number[]): Tensor {
  return makeTensor('int32', [values.length], Int32Array.from(values));
}

/** Builds ops in order, each reading the previous result. */
class OpChain {
  readonly ops: MilOperation[] = [];
  constructor(private readonly editor: ProgramEditor, private readonly hint: string) {}

  add(type: string, x: string, params: Record<string, Tensor>, outType: MilTensorType, extra: Record<string, string> = {}): string {
    const bound: Record<string, string> = { x, ...extra };
    for (const [param, value] of Object.entries(params)) {
      const c = this.editor.constOp(value, `${this.hint}_${type}_${param}`);
      this.ops.push(c);
      bound[param] = c.name;
    }
    const out = this.editor.fresh(`${this.hint}_${type}`);
    this.ops.push(this.editor.op(type, bound, [{ name: out, type: outType }], `${this.hint}_${type}`));
    return out;
  }

  reshape(x: string, shape: number[], dtype: MilTensorType['dtype']): string {
    return this.add('reshape', x, { shape: int32(shape) }, { dtype, shape });
  }

  /** Columns [from, to) of a [rows, cols] tensor. */
  columns(x: string, rows: number, from: number, to: number, dtype: MilTensorType['dtype']): string {
    return this.add('slice_by_index', x, { begin: int32([0, from]), end: int32([rows, to]) }, { dtype, shape: [rows, to - from] });
  }

  toFloat32(x: string, shape: number[], dtype: MilTensorType['dtype']): string {
    if (dtype === 'float32') return x;
    return this.add('cast', x, { dtype: makeTensor('string', [], ['fp32']) }, { dtype: 'float32', shape });
  }
}

/** The [4, 4] matrix M with (cx, cy, w, h) = box · M, normalized by the image size; undefined when it is the identity. */
export function boxMatrix(format: BoxFormat, imageSize: { width: number; height: number } | undefined): Float32Array | undefined {
  const sx = imageSize ? 1 / imageSize.width : 1;
  const sy = imageSize ? 1 / imageSize.height : 1;
  // Row i is the input coordinate, column j the output one.
  const m =
    format === 'xyxy'
      ? [0.5 * sx, 0, -sx, 0, 0, 0.5 * sy, 0, -sy, 0.5 * sx, 0, sx, 0, 0, 0.5 * sy, 0, sy]
      : [sx, 0, 0, 0, 0, sy, 0, 0, 0, 0, sx, 0, 0, 0, 0, sy];
  const identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  return m.every((v, i) => v === identity[i]) ? undefined : Float32Array.from(m);
}

/** Boxes and scores as [N, 4] and [N, C] in the program's dtype, sliced out of the layout. */
interface DetectorRows {
  boxes: string;
  scores: string;
  n: number;
  classes: number;
  dtype: MilTensorType['dtype'];
  /** The outputs read, boxes first for the separate layout. */
  sources: string[];
}

function rowsOf(chain: OpChain, editor: ProgramEditor, outputs: readonly string[], layout: Exclude<DetectorLayout, 'auto'>): DetectorRows {
  const dtype = editor.typeOf(outputs[0]!).dtype;
  const shapes = outputs.map((o) => editor.typeOf(o).shape as number[]);
  const fail = (expected: string): never => {
    throw usage(`--nms-layout ${layout} expects ${expected}; the model gives [${shapes.map((s) => s.join(', ')).join('] and [')}]`);
  };
  if (layout === 'separate') {
    const boxesAt = shapes[1]![shapes[1]!.length - 1] === 4 && shapes[0]![shapes[0]!.length - 1] !== 4 ? 1 : 0;
    const [b, s] = [shapes[boxesAt]!, shapes[1 - boxesAt]!];
    if (b.length !== 3 || s.length !== 3 || b[0] !== 1 || s[0] !== 1 || b[2] !== 4 || b[1] !== s[1]) fail('boxes [1, N, 4] and scores [1, N, C]');
    const n = b[1]!;
    const classes = s[2]!;
    const sources = [outputs[boxesAt]!, outputs[1 - boxesAt]!];
    return { boxes: chain.reshape(sources[0]!, [n, 4], dtype), scores: chain.reshape(sources[1]!, [n, classes], dtype), n, classes, dtype, sources };
  }
  const shape = shapes[0]!;
  if (shape.length !== 3 || shape[0] !== 1) fail(layout === 'yolov8' ? '[1, 4+C, N]' : '[1, N, 5+C]');
  if (layout === 'yolov8') {
    const [, channels, n] = shape as [number, number, number];
    if (channels < 5) fail('[1, 4+C, N] with C ≥ 1');
    const rows = chain.reshape(chain.add('transpose', outputs[0]!, { perm: int32([0, 2, 1]) }, { dtype, shape: [1, n, channels] }), [n, channels], dtype);
    return { boxes: chain.columns(rows, n, 0, 4, dtype), scores: chain.columns(rows, n, 4, channels, dtype), n, classes: channels - 4, dtype, sources: [...outputs] };
  }
  const [, n, channels] = shape as [number, number, number];
  if (channels < 6) fail('[1, N, 5+C] with C ≥ 1');
  const rows = chain.reshape(outputs[0]!, [n, channels], dtype);
  const objectness = chain.columns(rows, n, 4, 5, dtype);
  const classScores = chain.columns(rows, n, 5, channels, dtype);
  const scores = chain.add('mul', classScores, {}, { dtype, shape: [n, channels - 5] }, { y: objectness });
  return { boxes: chain.columns(rows, n, 0, 4, dtype), scores, n, classes: channels - 5, dtype, sources: [...outputs] };
}

export interface DetectorEpilogueOptions {
  layout: DetectorLayout;
  boxFormat: BoxFormat;
  /** Set when boxes are in pixels: the image size they are divided by. */
  imageSize?: { width: number; height: number };
}

/**
 * Appends the ops that turn `outputs` into `raw_confidence` and `raw_coordinates` and makes
 * those the program's only outputs. Returns what the verifier needs to redo it from the ONNX outputs.
 */
export function addDetectorEpilogue(editor: ProgramEditor, outputs: readonly string[], options: DetectorEpilogueOptions): Omit<DetectorRecord, 'nms'> {
  const layout = resolveLayout(editor, outputs, options.layout);
  const chain = new OpChain(editor, 'detector');
  const rows = rowsOf(chain, editor, outputs, layout);
  const { n, classes } = rows;
  const scores = chain.toFloat32(rows.scores, [n, classes], rows.dtype);
  let boxes = chain.toFloat32(rows.boxes, [n, 4], rows.dtype);
  const matrix = boxMatrix(options.boxFormat, options.imageSize);
  if (matrix) {
    const m = editor.constOp(makeTensor('float32', [4, 4], matrix), 'detector_box_matrix');
    chain.ops.push(m);
    boxes = chain.add('matmul', boxes, {}, { dtype: 'float32', shape: [n, 4] }, { y: m.name });
  }
  const confidenceName = editor.claim(NMS_NAMES.rawConfidence, 'the detector confidence output');
  const coordinatesName = editor.claim(NMS_NAMES.rawCoordinates, 'the detector coordinates output');
  const f32 = (shape: number[]): MilTensorType => ({ dtype: 'float32', shape });
  chain.ops.push(editor.op('identity', { x: scores }, [{ name: confidenceName, type: f32([n, classes]) }], 'detector_confidence'));
  chain.ops.push(editor.op('identity', { x: boxes }, [{ name: coordinatesName, type: f32([n, 4]) }], 'detector_coordinates'));
  editor.append(chain.ops);
  editor.fn.block.outputs = [confidenceName, coordinatesName];
  const record: Omit<DetectorRecord, 'nms'> = { layout, outputs: rows.sources, boxFormat: options.boxFormat, boxes: n, classes };
  if (options.imageSize) record.imageSize = options.imageSize;
  return record;
}
