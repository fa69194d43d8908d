import { readMlPackage } from './coreml/package.js';
import type { CoreMLModel, FeatureDescription } from './coreml/model.js';
import { convertOnnxModel } from './convert/index.js';
import { errorMessage } from './errors.js';
import { mainFunction, targetForOpset } from './mil/ir.js';
import { widenedToFp32 } from './mil/passes/widen-fp32.js';
import { loadOnnxModel } from './onnx/load.js';
import type { TestDataSet } from './reference/test-data-set.js';
import { referenceFileOf, referenceSetsFor, type VerifySource } from './verify.js';
import { traceDivergence, firstDivergenceOf, type DivergenceProfile, type FirstDivergence, type OpDivergence } from './verify/divergence.js';
import { packageInterface } from './verify/interface.js';
import { modelInputs } from './verify/judge.js';
import { matchTensors } from './verify/matching.js';

/**
 * `diagnose`: a package and its fp32 counterpart side by side in the interpreter on the
 * first reference set, op by op (verify/divergence.ts). With `--onnx` the counterpart is
 * the ONNX model converted at fp32 at the set's input shapes, so every op names its ONNX
 * node; with `--data` (or when that conversion fails) it is the package's own program
 * computed in fp32, which shows what fp16 compute does but not what weight compression did.
 */

export interface DiagnoseReport {
  package: string;
  /** What the package was compared with. */
  fp32: string;
  /** The reference set whose inputs both programs ran on. */
  dataSet: string;
  firstDivergence: FirstDivergence | null;
  /** Every paired op with float results, in the package's order. */
  ops: OpDivergence[];
  /** Compute ops of the package with no fp32 counterpart. */
  unpaired: number;
}

export async function diagnosePackage(packagePath: string, source: VerifySource): Promise<DiagnoseReport> {
  const model = await readMlPackage(packagePath);
  const [set] = await referenceSetsFor(model, packagePath, source);
  const { profile, fp32 } = await divergenceOfPackage(model, packagePath, source, set!);
  return {
    package: packagePath,
    fp32,
    dataSet: set!.name,
    firstDivergence: profile.first ? firstDivergenceOf(profile.first) : null,
    ops: profile.ops,
    unpaired: profile.unpaired,
  };
}

/** The package against its fp32 counterpart on one set (see the module comment). */
export async function divergenceOfPackage(model: CoreMLModel, packagePath: string, source: VerifySource, set: TestDataSet): Promise<{ profile: DivergenceProfile; fp32: string }> {
  const counterpart = await fp32Counterpart(model, packagePath, source, set);
  const referenceFile = referenceFileOf(source);
  const inputs = { fp32: modelInputs(counterpart.model, set, referenceFile), variant: modelInputs(model, set, referenceFile) };
  const profile = traceDivergence(counterpart.model, model, inputs, { fp32: counterpart.file, variant: packagePath });
  return { profile, fp32: counterpart.label };
}

const OWN_PROGRAM = "the package's own program computed in fp32";

async function fp32Counterpart(model: CoreMLModel, packagePath: string, source: VerifySource, set: TestDataSet): Promise<{ model: CoreMLModel; label: string; file: string }> {
  const own = { model: widenedModel(model), label: OWN_PROGRAM, file: packagePath };
  // An interface (image inputs, classifier) is not rebuilt from the ONNX model: its program is compared with itself.
  if (!('onnxPath' in source) || packageInterface(model, packagePath)) return own;
  try {
    const onnx = await loadOnnxModel(source.onnxPath);
    const graphInputs = onnx.graph.inputs.filter((i) => !onnx.graph.initializers.has(i.name)).map((i) => i.name);
    const given = matchTensors(graphInputs, set.inputs, { what: 'input', dataSet: set.name, file: source.onnxPath });
    const inputShapes = Object.fromEntries([...given].map(([name, t]) => [name, [...t.shape]]));
    const target = targetForOpset(mainFunction(model.program).opset) ?? 'iOS15';
    const converted = convertOnnxModel(onnx, { target, precision: 'fp32', inputShapes }).model;
    return { model: converted, label: 'the ONNX model converted at fp32', file: source.onnxPath };
  } catch (err) {
    return { ...own, label: `${OWN_PROGRAM} (converting the ONNX model at fp32 failed: ${errorMessage(err)})` };
  }
}

function widenedModel(model: CoreMLModel): CoreMLModel {
  return { ...model, inputs: model.inputs.map(widenFeature), outputs: model.outputs.map(widenFeature), program: widenedToFp32(model.program) };
}

function widenFeature(f: FeatureDescription): FeatureDescription {
  return f.type.kind === 'multiArray' && f.type.dtype === 'float16' ? { ...f, type: { ...f.type, dtype: 'float32' } } : f;
}
