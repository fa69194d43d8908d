import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ToolError } from '../errors.js';
import type { DeploymentTarget } from '../mil/ir.js';
import { cliOption, parseArgsOptions, type CliValues } from '../options/cli.js';
import type { Precision } from '../pipeline.js';
import type { VerifySource } from '../verify.js';
import { parseShapeArgs, type ShapeArgs } from './shape-args.js';
import { CHECK_HELP, COMMON_OPTION_KEYS, CONVERT_HELP, DIAGNOSE_HELP, CONVERT_OPTION_KEYS, PROGRAM, TOP_LEVEL_HELP, VERIFY_HELP, VERIFY_OPTION_KEYS } from './usage.js';
import { parseInterfaceArgs } from './interface-args.js';
import type { InterfaceRequest } from '../convert/interface-source.js';

/**
 * Turns argv into one typed request. Everything wrong with the command line is
 * a ToolError with code USAGE (exit 2) whose message says what to change.
 */

export type CommandName = 'convert' | 'check' | 'verify' | 'diagnose';

interface OutputFlags {
  json: boolean;
  debug: boolean;
}

export interface ConvertRequest extends OutputFlags {
  command: 'convert';
  model: string;
  output: string;
  target: DeploymentTarget;
  precision: Precision;
  /** A compression variant (int8, palettize4, ...), when weights are to be compressed. */
  compress?: string;
  /** Model inputs fixed to constants before conversion (`--freeze NAME=VALUE`), by input name. */
  freeze?: Record<string, number[]>;
  /** Input shapes (`--input-shape`), dim ranges (`--range`) and enumerated shapes (`--enumerate`), by input name. */
  inputShapes?: ShapeArgs['inputShapes'];
  ranges?: ShapeArgs['ranges'];
  enumeratedShapes?: ShapeArgs['enumeratedShapes'];
  /** Rows ONNX NonMaxSuppression's selected_indices are padded to (`--max-detections K`). */
  maxDetections?: number;
  /** Image inputs/outputs, class labels and metadata (see `interface-args.ts`). */
  interface?: InterfaceRequest;
}

export interface CheckRequest extends OutputFlags {
  command: 'check';
  model: string;
}


export interface VerifyRequest extends OutputFlags {
  command: 'verify';
  packagePath: string;
  source: VerifySource;
}

/** `diagnose`: where a package's numbers leave its fp32 counterpart, op by op. */
export interface DiagnoseRequest extends OutputFlags {
  command: 'diagnose';
  packagePath: string;
  source: VerifySource;
}

export type CommandRequest = ConvertRequest | CheckRequest | VerifyRequest | DiagnoseRequest;

export type CliRequest = CommandRequest | { command: 'help'; text: string } | { command: 'version' };

export const DEFAULT_TARGET: DeploymentTarget = 'iOS15';
export const DEFAULT_PRECISION: Precision = 'fp16';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = CliValues;

interface CommandSpec {
  help: string;
  options: Options;
  /** Name of the single positional argument, for the "missing" message. */
  positional: string;
  build(positional: string, values: Values, flags: OutputFlags): CommandRequest;
}

function usageError(message: string, command?: CommandName): ToolError {
  const hint = command ? `${PROGRAM} ${command} --help` : `${PROGRAM} --help`;
  return new ToolError('USAGE', `${message} (see '${hint}')`);
}

/** MODEL.onnx → MODEL.mlpackage in the same folder. */
export function defaultPackagePath(modelPath: string): string {
  return `${modelPath.replace(/\.onnx$/i, '')}.mlpackage`;
}

function buildConvert(model: string, values: Values, flags: OutputFlags): ConvertRequest {
  const fail = (message: string) => usageError(message, 'convert');
  const target = cliOption(values, 'target', fail) ?? DEFAULT_TARGET;
  const precision = cliOption(values, 'precision', fail) ?? DEFAULT_PRECISION;
  const output = cliOption(values, 'output', fail) ?? defaultPackagePath(model);
  // Core ML recognises a package only by its extension; another name would silently not load.
  if (!/\.mlpackage$/i.test(output)) {
    throw usageError(`--output must end in .mlpackage, got '${output}'`, 'convert');
  }
  const compress = cliOption(values, 'compress', fail);
  const maxDetections = cliOption(values, 'maxDetections', fail);
  const freeze = parseFreeze(values['freeze']);
  const shapes = parseShapeArgs(values, (message) => {
    throw fail(message);
  });
  const face = parseInterfaceArgs(values, fail);
  return {
    command: 'convert', model, output, target, precision,
    ...(compress === undefined ? {} : { compress }), ...(freeze === undefined ? {} : { freeze }), ...shapes,
    ...(maxDetections === undefined ? {} : { maxDetections }),
    ...(face === undefined ? {} : { interface: face }), ...flags,
  };
}

/** `--freeze NAME=VALUE[,VALUE...]`, repeatable: the values a model input is fixed to. `fail` makes the usage error. */
export function parseFreeze(raw: Values[string], fail: (message: string) => Error = (message) => usageError(message, 'convert')): Record<string, number[]> | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const out: Record<string, number[]> = {};
  for (const item of raw) {
    const eq = item.indexOf('=');
    const name = item.slice(0, eq);
    const parts = item.slice(eq + 1).split(',').map((v) => v.trim());
    const numbers = parts.map(Number);
    if (eq <= 0 || parts.some((p) => p === '') || numbers.some((n) => !Number.isFinite(n))) {
      throw fail(`--freeze takes NAME=VALUE with a number or a comma list of numbers, got '${item}'`);
    }
    if (name in out) throw fail(`--freeze names input '${name}' twice`);
    out[name] = numbers;
  }
  return out;
}

/** The references of `verify` and `diagnose`: exactly one of --data DIR and --onnx MODEL. */
function referenceSource(values: Values, command: 'verify' | 'diagnose'): VerifySource {
  const fail = (message: string) => usageError(message, command);
  const dataDir = cliOption(values, 'data', fail);
  const onnxPath = cliOption(values, 'onnx', fail);
  if ((dataDir === undefined) === (onnxPath === undefined)) {
    throw usageError('give exactly one of --data DIR or --onnx MODEL.onnx', command);
  }
  return dataDir !== undefined ? { dataDir } : { onnxPath: onnxPath as string };
}

function buildVerify(packagePath: string, values: Values, flags: OutputFlags): VerifyRequest {
  return { command: 'verify', packagePath, source: referenceSource(values, 'verify'), ...flags };
}

function buildDiagnose(packagePath: string, values: Values, flags: OutputFlags): DiagnoseRequest {
  return { command: 'diagnose', packagePath, source: referenceSource(values, 'diagnose'), ...flags };
}

const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  convert: {
    help: CONVERT_HELP,
    positional: 'MODEL.onnx',
    options: parseArgsOptions(CONVERT_OPTION_KEYS),
    build: buildConvert,
  },
  check: {
    help: CHECK_HELP,
    positional: 'MODEL.onnx',
    options: parseArgsOptions(COMMON_OPTION_KEYS),
    build: (model, _values, flags) => ({ command: 'check', model, ...flags }),
  },
  verify: {
    help: VERIFY_HELP,
    positional: 'PACKAGE.mlpackage',
    options: parseArgsOptions(VERIFY_OPTION_KEYS),
    build: buildVerify,
  },
  diagnose: {
    help: DIAGNOSE_HELP,
    positional: 'PACKAGE.mlpackage',
    options: parseArgsOptions(VERIFY_OPTION_KEYS),
    build: buildDiagnose,
  },
};

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** node's own message for an unknown option is a paragraph about '--'; the first sentence says it all. */
function parseArgsMessage(err: Error): string {
  const unknown = /^Unknown option '([^']*)'/.exec(err.message);
  if (unknown) return `unknown option '${unknown[1]}'`;
  // "--timeout -1": the value looks like an option, and node's message is a paragraph about it.
  const ambiguous = /^Option '(--?[\w-]+)[^']*' argument is ambiguous/.exec(err.message);
  if (ambiguous) return `${ambiguous[1]} needs a value; a value starting with '-' is written ${ambiguous[1]}=-VALUE`;
  return err.message.replace(/\.\s*$/, '');
}

/**
 * Runs node:util parseArgs (strict, positionals allowed). Its TypeErrors with
 * ERR_PARSE_ARGS_* codes are mistakes on the command line and become
 * `usageError(message)`; anything else is thrown on. Shared by every command.
 */
export function parseArgsOrUsageError<T extends Options>(args: readonly string[], options: T, usageError: (message: string) => ToolError) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) throw usageError(parseArgsMessage(err as Error));
    throw err;
  }
}

function parseCommand(command: CommandName, args: string[]): CliRequest {
  const spec = COMMANDS[command];
  const parsed = parseArgsOrUsageError(args, spec.options, (message) => usageError(message, command));
  const values = parsed.values as Values;
  const positionals = parsed.positionals;
  if (values['help'] === true) return { command: 'help', text: spec.help };
  const [positional, ...extra] = positionals;
  if (positional === undefined) throw usageError(`missing ${spec.positional}`, command);
  if (extra.length > 0) throw usageError(`unexpected argument '${extra[0]}'`, command);
  const flags: OutputFlags = { json: values['json'] === true, debug: values['debug'] === true };
  return spec.build(positional, values, flags);
}

/** Reads the command line (without the node and script paths). */
export function parseCommandLine(argv: readonly string[]): CliRequest {
  const [first, ...rest] = argv;
  if (first === undefined) throw usageError('missing command');
  if (first === '--version') return { command: 'version' };
  if (first === '--help' || first === '-h' || first === 'help') return { command: 'help', text: TOP_LEVEL_HELP };
  if (!isCommandName(first)) {
    const what = first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}'`;
    throw usageError(`${what}; commands are ${Object.keys(COMMANDS).join(', ')}`);
  }
  return parseCommand(first, rest);
}

/** Whether output should be JSON, read from raw argv so that even usage errors honour --json. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** Same for --debug. */
export function wantsDebug(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--debug');
}
