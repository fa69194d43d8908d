import { cliHelpLines } from '../options/cli.js';
import type { OptionKey } from '../options/definitions.js';

/**
 * Help texts, one per command. They are the CLI reference users see first, so
 * they list every option with its default and the exit codes; the option
 * lines come from the option table in src/options/.
 */

export const PROGRAM = 'onnx-coreml';

const EXIT_CODES = [
  'Exit codes:',
  '  0  success',
  '  1  conversion not possible (unsupported ops) or verification failed',
  '  2  usage error or unreadable input',
];

/** Options every command takes. */
export const COMMON_OPTION_KEYS = ['json', 'debug', 'help'] as const satisfies readonly OptionKey[];
/** The interface options of `convert` (image inputs and outputs, class labels, metadata). */
export const INTERFACE_OPTION_KEYS = [
  'imageInput', 'pixelScale', 'pixelBias', 'mean', 'std', 'pixelRange', 'imageOutput', 'classLabels', 'probabilitiesOutput',
  'nms', 'nmsLayout', 'boxFormat', 'boxUnits', 'iouThreshold', 'confidenceThreshold', 'classAgnostic',
  'author', 'license', 'modelVersion', 'description', 'inputDescription', 'outputDescription', 'metadata',
] as const satisfies readonly OptionKey[];
const CONVERT_CORE_KEYS = [
  'output', 'target', 'precision', 'compress', 'freeze', 'inputShape', 'range', 'enumerate', 'maxDetections', ...COMMON_OPTION_KEYS,
] as const satisfies readonly OptionKey[];
export const CONVERT_OPTION_KEYS = [...CONVERT_CORE_KEYS, ...INTERFACE_OPTION_KEYS] as const satisfies readonly OptionKey[];
export const VERIFY_OPTION_KEYS = ['data', 'onnx', ...COMMON_OPTION_KEYS] as const satisfies readonly OptionKey[];

export const TOP_LEVEL_HELP = [
  `Usage: ${PROGRAM} <command> [options]`,
  '',
  'Convert ONNX models to Core ML ML Programs (.mlpackage) and check their numbers.',
  '',
  'Commands:',
  '  convert MODEL.onnx [-o OUT.mlpackage]   convert a model',
  '  check MODEL.onnx                        list op coverage without writing anything',
  '  verify PACKAGE.mlpackage --data DIR     compare a package with reference outputs',
  '  diagnose PACKAGE.mlpackage --data DIR   show, op by op, where it leaves fp32',
  '  report PATH... --out DIR                convert, verify and report on many models',
  '',
  'Options:',
  '  --version        print the version',
  '  -h, --help       show this help',
  '',
  `Run '${PROGRAM} <command> --help' for the options of a command.`,
  '',
  ...EXIT_CODES,
].join('\n');

export const CONVERT_HELP = [
  `Usage: ${PROGRAM} convert MODEL.onnx [-o OUT.mlpackage] [options]`,
  '',
  'Converts an ONNX model to a Core ML ML Program package. Every unsupported op is',
  'listed with its node name before anything is written.',
  '',
  'Options:',
  ...cliHelpLines(CONVERT_CORE_KEYS),
  '',
  'App interface (what Xcode, Vision and an app see):',
  ...cliHelpLines(INTERFACE_OPTION_KEYS),
  '',
  ...EXIT_CODES,
].join('\n');

export const CHECK_HELP = [
  `Usage: ${PROGRAM} check (MODEL.onnx | PACKAGE.mlpackage) [options]`,
  '',
  'Reads an ONNX model and reports, per op type, how many nodes use it and whether',
  'it converts. Writes nothing. Exits 1 when some node cannot be converted.',
  'Given a package, prints what an app sees of it: inputs and outputs with their',
  'types (images with their normalization), the classifier and the metadata.',
  '',
  'Options:',
  ...cliHelpLines(COMMON_OPTION_KEYS),
  '',
  ...EXIT_CODES,
].join('\n');

export const VERIFY_HELP = [
  `Usage: ${PROGRAM} verify PACKAGE.mlpackage (--data DIR | --onnx MODEL.onnx) [options]`,
  '',
  "Runs the package with this project's reference ML Program interpreter and compares",
  'its outputs with reference outputs: the test_data_set_N/ folders in DIR, or',
  'onnxruntime on seeded inputs when given the ONNX model.',
  '',
  'Options:',
  ...cliHelpLines(VERIFY_OPTION_KEYS),
  '',
  ...EXIT_CODES,
].join('\n');

export const DIAGNOSE_HELP = [
  `Usage: ${PROGRAM} diagnose PACKAGE.mlpackage (--data DIR | --onnx MODEL.onnx) [options]`,
  '',
  'Runs an fp16 or compressed package and its fp32 counterpart side by side in the',
  'reference interpreter on the first reference set, and prints every op\'s error',
  'against fp32: relative error, values that overflow to ±inf, turn NaN or underflow',
  'to zero, and both value ranges. The first op where the error jumps is marked.',
  'With --onnx the counterpart is the ONNX model converted at fp32 (ops name their',
  'ONNX nodes); with --data it is the package\'s own program computed in fp32.',
  '',
  'Options:',
  ...cliHelpLines(VERIFY_OPTION_KEYS),
  '',
  'Exit codes:',
  '  0  the profile was printed',
  '  2  usage error or unreadable input',
].join('\n');
