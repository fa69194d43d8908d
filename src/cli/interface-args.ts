import type { InterfaceRequest } from '../convert/interface-source.js';
import type { ImageInputOptions, PixelNormalization } from '../interface/index.js';
import { cliOption, cliOptionList, cliRejection, type CliValues } from '../options/cli.js';
import { DEFAULT_MAX_DETECTIONS } from '../options/interface.js';
import { booleanRule, OptionRejected } from '../options/spec.js';

/**
 * The interface options of `convert` (defined in options/interface.ts) as one request.
 * Normalization applies to every image input. `fail` throws the command's usage error.
 */

/** Makes the command's usage error (exit 2); the caller's option readers throw it. */
type Fail = (message: string) => Error;

function normalization(values: CliValues, fail: Fail): PixelNormalization {
  const out: PixelNormalization = {};
  const scale = cliOption(values, 'pixelScale', fail);
  if (scale !== undefined) out.scale = scale;
  const bias = cliOption(values, 'pixelBias', fail);
  if (bias !== undefined) out.bias = bias;
  const mean = cliOption(values, 'mean', fail);
  if (mean !== undefined) out.mean = mean;
  const std = cliOption(values, 'std', fail);
  if (std !== undefined) out.std = std;
  const range = cliOption(values, 'pixelRange', fail);
  if (range !== undefined) out.pixelRange = range;
  return out;
}

function assignments(values: CliValues, key: 'inputDescription' | 'outputDescription' | 'metadata', flag: string, fail: Fail): Record<string, string> | undefined {
  const pairs = cliOptionList(values, key, fail);
  if (pairs.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of pairs) {
    if (Object.hasOwn(out, k)) throw fail(`--${flag} sets '${k}' twice`);
    out[k] = v;
  }
  return out;
}

/** A switch: set on the command line, or `true`/`false` in the settings file. */
function switchValue(values: CliValues, flag: string, fail: Fail): boolean {
  const given = values[flag];
  if (typeof given !== 'string') return given === true;
  try {
    return booleanRule(given.trim());
  } catch (err) {
    if (err instanceof OptionRejected) throw fail(cliRejection(flag, given, err));
    throw err;
  }
}

/** Options that only mean something with --nms. */
const NMS_ONLY_FLAGS = ['nms-layout', 'box-format', 'box-units', 'iou-threshold', 'confidence-threshold', 'class-agnostic'] as const;

function nmsRequest(values: CliValues, fail: Fail): InterfaceRequest['nms'] {
  if (!switchValue(values, 'nms', fail)) {
    const stray = NMS_ONLY_FLAGS.find((flag) => values[flag] !== undefined);
    if (stray !== undefined) throw fail(`--${stray} needs --nms`);
    return undefined;
  }
  return {
    layout: cliOption(values, 'nmsLayout', fail)!,
    boxFormat: cliOption(values, 'boxFormat', fail)!,
    boxUnits: cliOption(values, 'boxUnits', fail)!,
    iouThreshold: cliOption(values, 'iouThreshold', fail)!,
    confidenceThreshold: cliOption(values, 'confidenceThreshold', fail)!,
    perClass: !switchValue(values, 'class-agnostic', fail),
    maxDetections: cliOption(values, 'maxDetections', fail) ?? DEFAULT_MAX_DETECTIONS,
  };
}

export function parseInterfaceArgs(values: CliValues, fail: Fail): InterfaceRequest | undefined {
  const request: InterfaceRequest = {};
  const norm = normalization(values, fail);
  const images: ImageInputOptions[] = cliOptionList(values, 'imageInput', fail).map((image) => ({ ...image, ...norm }));
  if (images.length === 0 && Object.keys(norm).length > 0) throw fail('--pixel-scale, --pixel-bias, --mean, --std and --pixel-range need an --image-input');
  if (images.length > 0) request.imageInputs = images;
  const nms = nmsRequest(values, fail);
  if (nms) request.nms = nms;
  const outputs = cliOptionList(values, 'imageOutput', fail);
  if (outputs.length > 0) request.imageOutputs = outputs;
  const texts = { classLabels: 'classLabels', probabilitiesOutput: 'probabilitiesOutput', author: 'author', license: 'license', modelVersion: 'version', description: 'description' } as const;
  for (const [key, field] of Object.entries(texts) as [keyof typeof texts, (typeof texts)[keyof typeof texts]][]) {
    const v = cliOption(values, key, fail);
    if (v !== undefined) request[field] = v;
  }
  const described = { inputDescription: ['input-description', 'inputDescriptions'], outputDescription: ['output-description', 'outputDescriptions'], metadata: ['metadata', 'metadata'] } as const;
  for (const [key, [flag, field]] of Object.entries(described) as [keyof typeof described, (typeof described)[keyof typeof described]][]) {
    const v = assignments(values, key, flag, fail);
    if (v !== undefined) request[field] = v;
  }
  return Object.keys(request).length > 0 ? request : undefined;
}
