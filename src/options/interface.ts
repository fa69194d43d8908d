import type { BoxFormat, BoxUnits, DetectorLayout, ImageColor, ImageOutputOptions } from '../interface/index.js';
import { booleanRule, choiceRule, expected, numberRule, problem, textRule, type OptionSpec } from './spec.js';

/**
 * The interface options (image inputs and outputs, class labels, metadata): their flags,
 * rules and help. The command line and the per-model settings file read them by key.
 */

export const IMAGE_COLORS: readonly ImageColor[] = ['RGB', 'BGR', 'GRAY'];
export const DETECTOR_LAYOUTS: readonly DetectorLayout[] = ['auto', 'separate', 'yolov8', 'yolov5'];
export const BOX_FORMATS: readonly BoxFormat[] = ['cxcywh', 'xyxy'];
export const BOX_UNITS: readonly BoxUnits[] = ['pixels', 'normalized'];
/** Boxes a detector returns at most when --max-detections is not given. */
export const DEFAULT_MAX_DETECTIONS = 100;

/** A comma list of finite numbers. */
export function numberList(raw: string): number[] {
  const parts = raw.split(',').map((p) => p.trim());
  const out = parts.map(Number);
  if (parts.some((p) => p === '') || out.some((n) => !Number.isFinite(n))) expected('a number or a comma list of numbers');
  return out;
}

/** NAME[:COLOR:…]: the name is everything before the first ':COLOR' (names may hold ':' themselves). */
function splitNameAndColor(raw: string): { name: string; rest: string[] } {
  const parts = raw.split(':');
  const at = parts.findIndex((p, i) => i > 0 && IMAGE_COLORS.includes(p.toUpperCase() as ImageColor));
  return at < 0 ? { name: raw, rest: [] } : { name: parts.slice(0, at).join(':'), rest: parts.slice(at) };
}

export function parseImageInput(raw: string): { name: string; color: ImageColor } {
  const { name, rest } = splitNameAndColor(raw);
  if (name === '' || rest.length > 1) expected(`NAME[:${IMAGE_COLORS.join('|')}]`);
  return { name, color: (rest[0]?.toUpperCase() as ImageColor | undefined) ?? 'RGB' };
}

export function parseImageOutput(raw: string): ImageOutputOptions {
  const { name, rest } = splitNameAndColor(raw);
  if (name === '' || rest.length > 3) expected(`NAME[:${IMAGE_COLORS.join('|')}[:SCALE[:BIAS]]]`);
  const out: ImageOutputOptions = { name, color: (rest[0]?.toUpperCase() as ImageColor | undefined) ?? 'RGB' };
  if (rest[1] !== undefined) out.scale = numberRule(() => true, 'a number for SCALE')(rest[1]);
  if (rest[2] !== undefined) out.bias = numberList(rest[2]);
  return out;
}

/** KEY=TEXT, split at the first '='. */
export function parseAssignment(raw: string): [string, string] {
  const eq = raw.indexOf('=');
  if (eq <= 0) expected('KEY=TEXT');
  return [raw.slice(0, eq), raw.slice(eq + 1)];
}

function parsePixelScale(raw: string): number {
  const values = numberList(raw);
  if (values.length !== 1) problem('takes one number (Core ML has one scale; use --std for one per channel)');
  return values[0]!;
}

export const INTERFACE_OPTIONS = {
  imageInput: {
    flag: 'image-input', type: 'string', multiple: true, parse: parseImageInput, metavar: 'NAME[:RGB|BGR|GRAY]',
    cliHelp: ['make float input NAME ([1,C,H,W]) an image input; repeatable.', 'Sizes from --range/--enumerate become flexible image sizes'],
  },
  pixelScale: {
    flag: 'pixel-scale', type: 'string', parse: parsePixelScale, metavar: 'S',
    cliHelp: ["Core ML's preprocessing: tensor = pixel (0-255)·S + B"],
  },
  pixelBias: { flag: 'pixel-bias', type: 'string', parse: numberList, metavar: 'B[,B,B]', cliHelp: ['the B above, one or one per channel'] },
  mean: {
    flag: 'mean', type: 'string', parse: numberList, metavar: 'M,M,M',
    cliHelp: ['or normalize: (pixel·RANGE/255 − mean)/std, folded into', "scale and bias; values in the input's channel order"],
  },
  std: { flag: 'std', type: 'string', parse: numberList, metavar: 'S,S,S', cliHelp: ['per-channel std (one that differs per channel adds one mul)'] },
  pixelRange: {
    flag: 'pixel-range', type: 'string', parse: (raw: string) => Number(choiceRule(['1', '255'] as const)(raw)) as 1 | 255, metavar: '1|255',
    cliHelp: ['the scale mean and std are given on (default: 255)'],
  },
  imageOutput: {
    flag: 'image-output', type: 'string', multiple: true, parse: parseImageOutput, metavar: 'NAME[:RGB|BGR|GRAY[:SCALE[:BIAS]]]',
    cliHelp: ['make output NAME ([1,C,H,W]) an image: pixel =', 'clip(value·SCALE + BIAS, 0, 255) as program ops; repeatable'],
  },
  classLabels: {
    flag: 'class-labels', type: 'string', parse: textRule, metavar: 'FILE',
    cliHelp: ['make a classifier (classLabel + probabilities dictionary):', 'FILE is .txt (one label per line) or .json (strings or', "integers); else labels in the model's metadata_props", '(class_labels, classes, labels) are used'],
  },
  probabilitiesOutput: {
    flag: 'probabilities-output', type: 'string', parse: textRule, metavar: 'NAME',
    cliHelp: ['the output holding the class scores, when several could'],
  },
  nms: {
    flag: 'nms', type: 'flag', parse: booleanRule,
    cliHelp: ["end in Core ML's NonMaximumSuppression, as a pipeline that", 'Vision reads as recognized objects: outputs confidence [M, C]', 'and coordinates [M, 4] (normalized cx, cy, w, h); the class', 'labels (--class-labels) name the classes'],
  },
  nmsLayout: {
    flag: 'nms-layout', type: 'string', parse: choiceRule(DETECTOR_LAYOUTS), default: 'auto', metavar: DETECTOR_LAYOUTS.join('|'),
    cliHelp: ['raw outputs: separate boxes [1,N,4] + scores [1,N,C];', 'yolov8 [1,4+C,N]; yolov5 [1,N,5+C] with objectness', '(default: auto, from the output shapes)'],
  },
  boxFormat: {
    flag: 'box-format', type: 'string', parse: choiceRule(BOX_FORMATS), default: 'cxcywh', metavar: BOX_FORMATS.join('|'),
    cliHelp: ['how the raw boxes are given (default: cxcywh)'],
  },
  boxUnits: {
    flag: 'box-units', type: 'string', parse: choiceRule(BOX_UNITS), default: 'pixels', metavar: BOX_UNITS.join('|'),
    cliHelp: ["raw boxes in pixels of the image input's size, or already", '0–1 (default: pixels)'],
  },
  iouThreshold: {
    flag: 'iou-threshold', type: 'string', parse: numberRule((x) => x >= 0 && x <= 1, 'a number from 0 to 1'), default: '0.45', metavar: 'X',
    cliHelp: ['NMS: suppress a box whose IoU with a kept one exceeds X', '(default: 0.45; the iouThreshold input overrides it)'],
  },
  confidenceThreshold: {
    flag: 'confidence-threshold', type: 'string', parse: numberRule((x) => x >= 0, 'a number ≥ 0'), default: '0.25', metavar: 'X',
    cliHelp: ['NMS: drop boxes whose best class confidence is below X', '(default: 0.25; the confidenceThreshold input overrides it)'],
  },
  classAgnostic: {
    flag: 'class-agnostic', type: 'flag', parse: booleanRule,
    cliHelp: ['NMS: suppress across classes (default: only among boxes', 'of the same class)'],
  },
  author: { flag: 'author', type: 'string', parse: textRule, metavar: 'TEXT', cliHelp: ['package author (default: the model\'s metadata_props)'] },
  license: { flag: 'license', type: 'string', parse: textRule, metavar: 'TEXT', cliHelp: ['package license (default: the model\'s metadata_props)'] },
  modelVersion: { flag: 'version', type: 'string', parse: textRule, metavar: 'TEXT', cliHelp: ['package version (default: the model\'s model_version)'] },
  description: { flag: 'description', type: 'string', parse: textRule, metavar: 'TEXT', cliHelp: ['package description (default: the model\'s doc_string)'] },
  inputDescription: {
    flag: 'input-description', type: 'string', multiple: true, parse: parseAssignment, metavar: 'NAME=TEXT', cliHelp: ['describe input NAME; repeatable'],
  },
  outputDescription: {
    flag: 'output-description', type: 'string', multiple: true, parse: parseAssignment, metavar: 'NAME=TEXT', cliHelp: ['describe output NAME; repeatable'],
  },
  metadata: {
    flag: 'metadata', type: 'string', multiple: true, parse: parseAssignment, metavar: 'KEY=VALUE', cliHelp: ['user-defined metadata entry; repeatable'],
  },
} as const satisfies Record<string, OptionSpec<unknown>>;

/** The per-model settings file, read by the action and by `report`. */
export const SETTINGS_FILE_OPTIONS = {
  config: {
    flag: 'config', input: 'config', type: 'string', parse: textRule, metavar: 'FILE', defaultLabel: 'onnx-coreml.yml',
    cliHelp: ['per-model settings: model globs mapped to options (default:', 'onnx-coreml.yml in the current folder, when it exists)'],
    description: 'per-model settings file: model globs mapped to target, variants, gates, shapes, image inputs, class labels and metadata (see below); `onnx-coreml.yml` at the repository root is read when it exists',
  },
} as const satisfies Record<string, OptionSpec<unknown>>;
