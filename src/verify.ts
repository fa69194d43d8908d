import { readMlPackage } from './coreml/package.js';
import type { CoreMLModel } from './coreml/model.js';
import { ToolError } from './errors.js';
import type { InterfaceRecord } from './interface/index.js';
import { loadOnnxModel } from './onnx/load.js';
import type { OnnxModel } from './onnx/ir.js';
import { gateForProgram, type Gate } from './parity/gates.js';
import { overallPass, type VerdictOptions } from './parity/verdict.js';
import { runReferenceEngine } from './reference/onnxruntime.js';
import { readTestDataSets, type TestDataSet } from './reference/test-data.js';
import { Deadline } from './run/deadline.js';
import { seededReference } from './run/references.js';
import { formatShape } from './tensor/tensor.js';
import { packageDataSets, packageInterface } from './verify/interface.js';
import { firstFailingSet, judgeOnDataSets } from './verify/judge.js';
import { outputReport, type VerifyReport } from './verify/report.js';
import { divergenceOfPackage } from './diagnose.js';
import { firstDivergenceOf, type FirstDivergence } from './verify/divergence.js';
import { fp32OpsOf } from './verify/fp32-ops.js';

export type { VerifyOutputReport, VerifyReport } from './verify/report.js';

/** Where the reference outputs come from: test data beside the model, or onnxruntime on seeded inputs. */
export type VerifySource = { dataDir: string } | { onnxPath: string };

export interface VerifyOptions {
  /** Gate for every float output; default: picked from what the package contains (gateForProgram). */
  gate?: Gate;
  /** onnxruntime intra-op threads when the source is an ONNX model. */
  threads?: number;
  /** Least top-1 agreement class-score outputs must reach (0..1); not gated when absent. */
  minTop1Agreement?: number;
}

/**
 * `verify`: reads an .mlpackage and runs the verify stage (verify/judge.ts) on
 * its references. With test data, every data set must pass, and each output
 * reports its worst metrics over the sets. With an ONNX model, the references
 * are the ones `report` computes (run/references.ts, one seed policy), so both
 * commands give the same numbers for the same package.
 */
export async function verifyPackage(packagePath: string, source: VerifySource, options: VerifyOptions = {}): Promise<VerifyReport> {
  const model = await readMlPackage(packagePath);
  const gate = options.gate ?? gateForProgram(model.program);
  const dataSets = await referenceSetsFor(model, packagePath, source, options);
  const judged = judgeOnDataSets(model, dataSets, {
    gate,
    ...(options.minTop1Agreement === undefined ? {} : { verdict: { minTop1Agreement: options.minTop1Agreement } satisfies VerdictOptions }),
    referenceFile: referenceFileOf(source),
    packageFile: packagePath,
  });
  const outputs = judged.map((o) => outputReport(o.name, o.dtype, o.verdict, o.detection));
  const report: VerifyReport = { pass: overallPass(outputs), engine: 'reference interpreter', gate, dataSets: dataSets.map((s) => s.name), outputs };
  const fp32Ops = fp32OpsOf(model.program);
  if (fp32Ops) report.fp32Ops = fp32Ops;
  // Where an fp16 or compressed package leaves fp32: only worth the two extra runs when it failed.
  // A detector's failure is a set of boxes; the op-by-op search reads element errors of one program.
  if (!report.pass && gate.kind === 'psnr' && !model.pipeline) {
    const failing = firstFailingSet(model, dataSets, { gate, referenceFile: referenceFileOf(source), packageFile: packagePath }) ?? dataSets[0]!;
    const first = await firstDivergenceOrUndefined(model, packagePath, source, failing);
    if (first !== undefined) report.firstDivergence = first;
  }
  return report;
}

/** The verdict stands without it: a trace that cannot run (the counterpart fails in the interpreter) leaves the field out. */
async function firstDivergenceOrUndefined(model: CoreMLModel, packagePath: string, source: VerifySource, set: TestDataSet): Promise<FirstDivergence | null | undefined> {
  try {
    const { profile } = await divergenceOfPackage(model, packagePath, source, set);
    return profile.first ? firstDivergenceOf(profile.first) : null;
  } catch {
    return undefined;
  }
}

export const referenceFileOf = (source: VerifySource): string => ('dataDir' in source ? source.dataDir : source.onnxPath);

/** The reference sets `verify` judges a package on: the test data, or onnxruntime on seeded inputs. */
export async function referenceSetsFor(model: CoreMLModel, packagePath: string, source: VerifySource, options: VerifyOptions = {}): Promise<TestDataSet[]> {
  const face = packageInterface(model, packagePath);
  if (face && 'dataDir' in source) {
    throw new ToolError('USAGE', 'the package has an image, classifier or detector interface: verify it with --onnx MODEL.onnx, which computes references from the same pixels (and, for a detector, the same suppression)', { file: packagePath });
  }
  if ('dataDir' in source) return readTestDataSets(source.dataDir);
  return [face ? await interfaceSet(model, source.onnxPath, options, face) : await onnxRuntimeSet(model, source.onnxPath, options)];
}

/** onnxruntime on the seeded inputs `report` would generate, sized like the package's inputs where the ONNX model leaves dims open. */
async function onnxRuntimeSet(pkg: CoreMLModel, onnxPath: string, options: VerifyOptions): Promise<TestDataSet> {
  const model = await loadOnnxModel(onnxPath);
  checkTakesModelInputs(pkg, model, onnxPath);
  const { set } = await seededReference(
    {
      modelPath: onnxPath,
      model,
      deadline: new Deadline(onnxPath, undefined),
      shapeHints: packageShapes(pkg, model),
      ...(options.threads === undefined ? {} : { threads: options.threads }),
    },
    [],
  );
  return set;
}

/** A package converted from another model cannot be judged by this one: its inputs must agree in number and fixed sizes. */
function checkTakesModelInputs(pkg: CoreMLModel, model: OnnxModel, onnxPath: string): void {
  const declared = model.graph.inputs;
  if (declared.length !== pkg.inputs.length) {
    throw new ToolError('REFERENCE', `the ONNX model takes ${declared.length} inputs, the package ${pkg.inputs.length}`, { file: onnxPath });
  }
  declared.forEach((info, k) => {
    const shape = pkg.inputs[k]!.type.shape;
    // An ONNX scalar is a one-element array in Core ML (convert/edges.ts).
    const scalar = info.shape?.length === 0 && shape.length === 1 && shape[0] === 1;
    const fits = scalar || info.shape === undefined || (info.shape.length === shape.length && info.shape.every((d, i) => typeof d !== 'number' || d < 0 || d === shape[i]));
    if (!fits) {
      const onnxShape = formatShape((info.shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : null)));
      throw new ToolError('REFERENCE', `input "${info.name}" is ${onnxShape} in the ONNX model but ${formatShape(shape)} in the package`, { file: onnxPath });
    }
  });
}

/** The package's input shapes by ONNX input name: by position when both have as many inputs, else by name. */
function packageShapes(pkg: CoreMLModel, model: OnnxModel): Map<string, readonly number[]> {
  const onnxInputs = model.graph.inputs;
  if (onnxInputs.length === pkg.inputs.length) return new Map(onnxInputs.map((info, k) => [info.name, pkg.inputs[k]!.type.shape]));
  return new Map(pkg.inputs.map((i) => [i.name, i.type.shape]));
}

/**
 * A package with an app interface (images, classifier, detector) is judged on
 * the sets `report` judges it on: onnxruntime's seeded set for the ONNX model,
 * put in the package's terms by the same function (verify/interface.ts), so
 * both commands give the same numbers.
 */
async function interfaceSet(model: CoreMLModel, onnxPath: string, options: VerifyOptions, face: InterfaceRecord): Promise<TestDataSet> {
  // Optional inputs (a detector's thresholds) are the package's own; the ONNX model does not take them.
  const seeded = await onnxRuntimeSet({ ...model, inputs: model.inputs.filter((i) => !i.optional) }, onnxPath, options);
  const engineOptions = options.threads === undefined ? {} : { threads: options.threads };
  const [set] = await packageDataSets(model, face, [seeded], (inputs) => runReferenceEngine(onnxPath, inputs, engineOptions));
  return set!;
}
