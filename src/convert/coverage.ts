import { ConversionError, ModelInputError } from '../errors.js';
import { DEPLOYMENT_TARGETS, type DeploymentTarget } from '../mil/ir.js';
import { defaultOpset, type OnnxModel } from '../onnx/ir.js';
import { convertOnnxModel, type ConversionResult } from './index.js';
import { coverageOf, NodeOutcomes, unsupportedReason, type CoverageReport } from './outcomes.js';

export { qualifiedOpName, unsupportedReason, type CoverageReport, type OpCoverageRow } from './outcomes.js';

/** The default deployment target of `convert` and the action, so that `check` and the report agree. */
const DEFAULT_TARGET: DeploymentTarget = DEPLOYMENT_TARGETS[0];

/**
 * Op coverage of a model from converting it (in fp32, writing nothing): per
 * op type the node count, how many folded, the MIL ops the nodes became and
 * every node the converter refused, with its reason. A refused conversion
 * still yields its table; an inconsistent graph or a converter bug is thrown
 * as it is.
 */
export function checkOnnxModel(model: OnnxModel, target: DeploymentTarget = DEFAULT_TARGET, bounds: { maxDetections?: number } = {}): CoverageReport {
  return coverageConversion(model, () => convertOnnxModel(model, { target, precision: 'fp32', ...bounds })).coverage;
}

/** The op coverage of a conversion, and the conversion itself when it succeeded (a run reuses it as its fp32 variant's). */
export interface CoverageConversion {
  coverage: CoverageReport;
  converted?: ConversionResult;
}

/** Op coverage as `checkOnnxModel` reports it, from a conversion the caller makes (of a model it prepared once). */
export function coverageConversion(model: OnnxModel, convert: () => ConversionResult): CoverageConversion {
  try {
    const converted = convert();
    return { coverage: converted.coverage, converted };
  } catch (err) {
    if (err instanceof ConversionError && err.coverage) return { coverage: err.coverage };
    // An inconsistent model is an input error here as in convert.
    if (err instanceof ModelInputError) throw err;
    const refused = refusedBeforeConversion(model);
    if (refused) return { coverage: refused };
    throw err;
  }
}

/**
 * When the graph cannot even be prepared (a local function that calls itself,
 * say), the nodes no converter knows are the report: they are what keeps the
 * model from converting, and the rest is not reached.
 */
function refusedBeforeConversion(model: OnnxModel): CoverageReport | undefined {
  const opset = defaultOpset(model);
  const outcomes = new NodeOutcomes();
  let refusals = 0;
  for (const node of model.graph.nodes) {
    const reason = unsupportedReason(node, opset);
    if (reason !== undefined) refusals++;
    outcomes.record(node, reason === undefined ? 'skipped' : 'failed', reason ?? 'not converted: the graph could not be prepared');
  }
  return refusals > 0 ? coverageOf(model, outcomes.list(), []) : undefined;
}
