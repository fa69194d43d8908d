import { basename } from 'node:path';
import { checkFile, convertFile, type PipelineStage } from '../pipeline.js';
import { ProgressLine } from '../progress.js';
import type { CheckRequest, ConvertRequest, DiagnoseRequest, VerifyRequest } from './args.js';
import { EXIT_FAILED, EXIT_OK, type ExitCode } from './failure.js';
import { renderCheck, renderConvert, renderDescription, renderDiagnose, renderVerify } from './render.js';
import { PROGRAM } from './usage.js';
import { LinePrinter, escapeTerminal, writeJson, type CliIO } from './terminal.js';

/**
 * The three commands. Each calls one pipeline function and prints its result:
 * JSON on stdout under --json, otherwise the report on stdout and messages on
 * stderr. Failures propagate as exceptions; `main` turns them into exit codes.
 */

export interface CommandContext {
  io: CliIO;
  /** Human-readable report lines (stdout). */
  out: LinePrinter;
  /** Messages and warnings (stderr). */
  err: LinePrinter;
}

const STAGE_VERBS: Readonly<Record<PipelineStage, string>> = {
  load: 'reading',
  convert: 'converting',
  write: 'writing',
};

export async function runCheck(request: CheckRequest, ctx: CommandContext): Promise<ExitCode> {
  if (isPackagePath(request.model)) return describePackage(request, ctx);
  const result = await checkFile(request.model);
  if (request.json) writeJson(ctx.io.stdout, result);
  else ctx.out.lines(renderCheck(result));
  // Under --json stdout holds only the object: the reason for exit 1 goes to stderr.
  if (request.json && result.unsupported.length > 0) {
    const ops = [...new Set(result.unsupported.map((u) => u.op))].sort().join(', ');
    ctx.err.line(`${PROGRAM}: ${result.unsupported.length} node(s) use ops that cannot be converted (${ops})`);
  }
  return result.unsupported.length === 0 ? EXIT_OK : EXIT_FAILED;
}

const isPackagePath = (path: string): boolean => /\.mlpackage[\\/]?$/i.test(path);

/** `check PACKAGE.mlpackage`: what an app sees of the package (its description), nothing converted. */
async function describePackage(request: CheckRequest, ctx: CommandContext): Promise<ExitCode> {
  const { readMlPackage } = await import('../coreml/package.js');
  const { describeInterface } = await import('../interface/describe.js');
  const model = await readMlPackage(request.model);
  const description = { package: request.model, specificationVersion: model.specificationVersion, ...describeInterface(model) };
  if (request.json) writeJson(ctx.io.stdout, description);
  else ctx.out.lines(renderDescription(description));
  return EXIT_OK;
}

export async function runConvert(request: ConvertRequest, ctx: CommandContext): Promise<ExitCode> {
  const progress = new ProgressLine(ctx.io.stderr, { enabled: ctx.io.stderrIsTTY });
  const name = escapeTerminal(basename(request.model));
  try {
    const result = await convertFile(request.model, request.output, {
      target: request.target,
      precision: request.precision,
      ...(request.compress === undefined ? {} : { compress: request.compress }),
      ...(request.freeze === undefined ? {} : { freeze: request.freeze }),
      ...(request.inputShapes === undefined ? {} : { inputShapes: request.inputShapes }),
      ...(request.ranges === undefined ? {} : { ranges: request.ranges }),
      ...(request.enumeratedShapes === undefined ? {} : { enumeratedShapes: request.enumeratedShapes }),
      ...(request.maxDetections === undefined ? {} : { maxDetections: request.maxDetections }),
      ...(request.interface === undefined ? {} : { interface: request.interface }),
      onProgress: (stage, done, total) => progress.update(`${STAGE_VERBS[stage]} ${name}`, done, stage === 'convert' ? total : 0),
    });
    progress.clear();
    if (request.json) {
      writeJson(ctx.io.stdout, result);
    } else {
      ctx.out.lines(renderConvert(result));
      ctx.err.lines(result.warnings.map((w) => `warning: ${w}`));
    }
    return EXIT_OK;
  } finally {
    progress.clear();
  }
}

export async function runVerify(request: VerifyRequest, ctx: CommandContext): Promise<ExitCode> {
  // Loaded on demand: verification pulls in the interpreter and onnxruntime, which convert and check never need.
  const { verifyPackage } = await import('../verify.js');
  const report = await verifyPackage(request.packagePath, request.source);
  if (request.json) writeJson(ctx.io.stdout, report);
  else ctx.out.lines(renderVerify(request.packagePath, report));
  return report.pass ? EXIT_OK : EXIT_FAILED;
}

export async function runDiagnose(request: DiagnoseRequest, ctx: CommandContext): Promise<ExitCode> {
  const { diagnosePackage } = await import('../diagnose.js');
  const report = await diagnosePackage(request.packagePath, request.source);
  if (request.json) writeJson(ctx.io.stdout, report);
  else ctx.out.lines(renderDiagnose(report));
  return EXIT_OK;
}
