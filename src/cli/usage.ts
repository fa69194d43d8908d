/**
 * Help texts, one per command. They are the CLI reference users see first, so
 * they list every option with its default and the exit codes.
 */

export const PROGRAM = 'onnx-coreml';

const EXIT_CODES = [
  'Exit codes:',
  '  0  success',
  '  1  conversion not possible (unsupported ops) or verification failed',
  '  2  usage error or unreadable input',
];

const COMMON_OPTIONS = [
  '  --json           print exactly one JSON object on stdout (messages stay on stderr)',
  '  --debug          show stack traces for errors',
  '  -h, --help       show this help',
];

export const TOP_LEVEL_HELP = [
  `Usage: ${PROGRAM} <command> [options]`,
  '',
  'Convert ONNX models to Core ML ML Programs (.mlpackage) and check their numbers.',
  '',
  'Commands:',
  '  convert MODEL.onnx [-o OUT.mlpackage]   convert a model',
  '  check MODEL.onnx                        list op coverage without writing anything',
  '  verify PACKAGE.mlpackage --data DIR     compare a package with reference outputs',
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
  '  -o, --output PATH       where to write the .mlpackage',
  '                          (default: next to the model, MODEL.mlpackage)',
  '  --target TARGET         minimum deployment target: iOS15, iOS16, iOS17, iOS18',
  '                          (default: iOS15, the widest reach)',
  '  --precision PRECISION   compute precision: fp16 or fp32 (default: fp16)',
  '  --compress VARIANT      compress the weights: int8, int4, palettize1..8 or prune50;',
  '                          raises --target, with a warning, when the variant needs it',
  '  --freeze NAME=VALUE     fix model input NAME to VALUE (a number or a comma list,',
  '                          typed like the input) before converting; repeatable.',
  '                          Branches (If) decided by it are inlined: --freeze sr=16000',
  '  --input-shape NAME=SHAPE',
  '                          convert input NAME at SHAPE (e.g. 1x3x224x224), replacing',
  '                          its declared shape so the program becomes static; repeatable.',
  '                          Inputs not named that share its symbolic dim names follow.',
  '                          With --range or --enumerate it gives the default shape',
  '  --range NAME:DIM=MIN..MAX',
  '                          keep dim DIM (an index or a symbolic name) of input NAME',
  '                          dynamic, accepting MIN..MAX (default MIN); repeatable.',
  '                          Symbolic dims not given a range or shape get 1..1024',
  '  --enumerate NAME=SHAPE,SHAPE...',
  '                          input NAME accepts exactly these shapes (the first is the',
  '                          default); repeatable. A model cannot mix --range and',
  '                          --enumerate, and several enumerated inputs need iOS18',
  ...COMMON_OPTIONS,
  '',
  ...EXIT_CODES,
].join('\n');

export const CHECK_HELP = [
  `Usage: ${PROGRAM} check MODEL.onnx [options]`,
  '',
  'Reads an ONNX model and reports, per op type, how many nodes use it and whether',
  'it converts. Writes nothing. Exits 1 when some node cannot be converted.',
  '',
  'Options:',
  ...COMMON_OPTIONS,
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
  '  --data DIR          folder holding test_data_set_N/ (input_K.pb, output_K.pb)',
  '  --onnx MODEL.onnx   compute reference outputs with onnxruntime instead',
  ...COMMON_OPTIONS,
  '',
  ...EXIT_CODES,
].join('\n');
