import { dictionaryFeature, scalarFeature, type FeatureDescription } from '../coreml/model.js';
import { ToolError } from '../errors.js';
import type { MilOperation, MilTensorType } from '../mil/ir.js';
import { makeTensor, type Tensor } from '../tensor/tensor.js';
import type { ProgramEditor } from './program-edit.js';
import type { ClassifierOptions, InterfaceRecord } from './types.js';

/**
 * Classifiers, as coremltools writes them for an ML program: a `classify` op at the end of
 * the main function turns the class scores into the predicted label (`classLabel`, a
 * string or int64 feature) and a probabilities dictionary (`classLabel_probs`); the
 * description names them as predictedFeatureName / predictedProbabilitiesName. The
 * scores output is replaced by the two. A softmax is added only when the scores are not
 * already a softmax's result.
 */

export const LABEL_OUTPUT = 'classLabel';
export const PROBABILITIES_SUFFIX = '_probs';

const usage = (message: string): ToolError => new ToolError('USAGE', message);

/** Ops that keep values as they are (only shape or storage type changes). */
const VALUE_PRESERVING = new Set(['reshape', 'squeeze', 'expand_dims', 'identity', 'cast', 'flatten2d']);

/** Whether `name` is a softmax result, possibly reshaped or cast on the way. */
export function isSoftmaxResult(editor: ProgramEditor, name: string): boolean {
  let current = name;
  for (let hops = 0; hops < 16; hops++) {
    const op = editor.producer(current);
    if (!op) return false;
    if (op.type === 'softmax') return true;
    if (!VALUE_PRESERVING.has(op.type)) return false;
    const x = op.inputs['x']?.[0];
    if (x?.kind !== 'name') return false;
    current = x.name;
  }
  return false;
}

function elementCount(type: MilTensorType): number | undefined {
  return type.shape.every((d): d is number => d !== null) ? type.shape.reduce((a, b) => a * b, 1) : undefined;
}

/** The output holding the scores: the one named, or the only float output with one score per label. */
export function pickScoresOutput(editor: ProgramEditor, outputs: readonly string[], options: ClassifierOptions): string {
  const n = options.labels.length;
  if (options.probabilitiesOutput !== undefined) {
    if (!outputs.includes(options.probabilitiesOutput)) {
      throw usage(`--probabilities-output names "${options.probabilitiesOutput}", which is not an output of the model (outputs: ${outputs.join(', ')})`);
    }
    return options.probabilitiesOutput;
  }
  const fits = outputs.filter((o) => {
    const t = editor.typeOf(o);
    return (t.dtype === 'float32' || t.dtype === 'float16') && elementCount(t) === n;
  });
  if (fits.length === 1) return fits[0]!;
  if (fits.length === 0) throw usage(`no float output has ${n} values, one per class label (${options.labelSource}); name it with --probabilities-output`);
  throw usage(`outputs ${fits.join(', ')} each have ${n} values; pick the scores with --probabilities-output`);
}

function classesTensor(labels: ClassifierOptions['labels']): Tensor {
  if (labels.every((l): l is number => typeof l === 'number')) {
    return makeTensor('int64', [labels.length], BigInt64Array.from(labels, (l) => BigInt(l)));
  }
  return makeTensor('string', [labels.length], labels.map(String));
}

/**
 * Adds (softmax →) cast → classify after the scores output and replaces that output by the
 * label and the probabilities dictionary, first in the output list as coremltools puts them.
 */
export function addClassifierEpilogue(editor: ProgramEditor, scores: string, options: ClassifierOptions): NonNullable<InterfaceRecord['classifier']> {
  const type = editor.typeOf(scores);
  const n = options.labels.length;
  if (elementCount(type) !== undefined && elementCount(type) !== n) {
    throw usage(`output "${scores}" has ${elementCount(type)} values but there are ${n} class labels (${options.labelSource})`);
  }
  const labelOutput = editor.claim(LABEL_OUTPUT, 'the classifier label output');
  const probabilitiesOutput = editor.claim(`${LABEL_OUTPUT}${PROBABILITIES_SUFFIX}`, 'the classifier probabilities output');
  const ops: MilOperation[] = [];
  let current = scores;
  const softmaxAdded = !isSoftmaxResult(editor, scores);
  if (softmaxAdded) {
    const axis = editor.constOp(makeTensor('int32', [], Int32Array.of(-1)), `${scores}_softmax_axis`);
    const out = editor.fresh(`${scores}_softmax`);
    ops.push(axis, editor.op('softmax', { x: current, axis: axis.name }, [{ name: out, type: { dtype: type.dtype, shape: [...type.shape] } }], `${scores}_softmax`));
    current = out;
  }
  if (type.dtype !== 'float32') {
    const dtype = editor.constOp(makeTensor('string', [], ['fp32']), `${scores}_dtype`);
    const out = editor.fresh(`${scores}_fp32`);
    ops.push(dtype, editor.op('cast', { x: current, dtype: dtype.name }, [{ name: out, type: { dtype: 'float32', shape: [...type.shape] } }], `${scores}_cast`));
    current = out;
  }
  const classes = classesTensor(options.labels);
  const classesOp = editor.constOp(classes, 'classes', { dtype: classes.dtype, shape: [n], collection: { kind: 'list' } });
  ops.push(classesOp, editor.op('classify', { probabilities: current, classes: classesOp.name }, [
    { name: labelOutput, type: { dtype: classes.dtype, shape: [] } },
    { name: probabilitiesOutput, type: { dtype: 'float64', shape: [n], collection: { kind: 'dictionary', keyDType: classes.dtype } } },
  ], 'classify'));
  editor.append(ops);
  const block = editor.fn.block;
  block.outputs = [labelOutput, probabilitiesOutput, ...block.outputs.filter((o) => o !== scores)];
  const labelType = classes.dtype === 'string' ? 'string' : 'int64';
  return { scores, labelOutput, probabilitiesOutput, labelCount: n, labelType, softmaxAdded };
}

/** The description's outputs after the classifier: label and dictionary first, the scores output gone. */
export function classifierOutputs(outputs: readonly FeatureDescription[], record: NonNullable<InterfaceRecord['classifier']>): FeatureDescription[] {
  const label: FeatureDescription = { name: record.labelOutput, type: scalarFeature(record.labelType) };
  const probabilities: FeatureDescription = { name: record.probabilitiesOutput, type: dictionaryFeature(record.labelType, record.labelCount) };
  const scores = outputs.find((o) => o.name === record.scores);
  if (scores?.shortDescription) probabilities.shortDescription = scores.shortDescription;
  return [label, probabilities, ...outputs.filter((o) => o.name !== record.scores)];
}
