import { ToolError } from '../errors.js';
import type { NamedTensor } from '../reference/test-data-set.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Pairs the tensors a model expects (inputs it takes, outputs it produces) with the
 * tensors test data gives. When every model tensor has a same-named one, names decide.
 * When some do not and the counts agree, position decides for all. Otherwise each takes
 * its name match, or the tensor at its position if that one's name is empty or names
 * nothing the model has: test data
 * written by the ONNX tools names tensors after the ONNX graph, and a converter may have
 * renamed them (MIL names cannot hold every ONNX name), while position is the ONNX
 * test-data convention (`input_K.pb` is the K-th graph input).
 */
export function matchTensors(
  expected: readonly string[],
  given: readonly NamedTensor[],
  context: { what: 'input' | 'output'; dataSet: string; file: string },
): Map<string, Tensor> {
  const expectedNames = new Set(expected);
  const matched = new Map<string, Tensor>();
  // Names decide only when every model tensor finds its own: a sanitized name can collide
  // with another tensor's original name (x.1 → x_1 next to an original x_1), and then the
  // data's order — the model's input order — is the reliable key.
  const allNamed = expected.every((name) => given.some((t) => t.name === name));
  if (!allNamed && given.length === expected.length) {
    expected.forEach((name, position) => matched.set(name, given[position]!.tensor));
    return matched;
  }
  expected.forEach((name, position) => {
    const byName = given.find((t) => t.name === name);
    const atPosition = given[position];
    const byPosition = atPosition && !expectedNames.has(atPosition.name) ? atPosition : undefined;
    const found = byName ?? byPosition;
    if (!found) {
      const names = given.map((t, i) => (t.name === '' ? `#${i}` : `"${t.name}"`)).join(', ') || 'none';
      throw new ToolError(
        'REFERENCE',
        `${context.dataSet} has no tensor for model ${context.what} "${name}" (by name or at position ${position}; it has ${names})`,
        { file: context.file },
      );
    }
    matched.set(name, found.tensor);
  });
  if (context.what === 'output') refuseExtraOutputs(expected, given, context);
  return matched;
}

/**
 * An expected output the model does not have (an output_3.pb beside three model
 * outputs) would otherwise be ignored, and the test data would look fully used.
 */
function refuseExtraOutputs(expected: readonly string[], given: readonly NamedTensor[], context: { dataSet: string; file: string }): void {
  if (given.length <= expected.length) return;
  const extra = given.slice(expected.length).map((t, i) => (t.name === '' ? `#${expected.length + i}` : `"${t.name}"`));
  throw new ToolError(
    'REFERENCE',
    `${context.dataSet} has ${given.length} expected outputs, but the model has ${expected.length}; ${extra.join(', ')} match no model output`,
    { file: context.file },
  );
}

/** Turns a record into named tensors in its key order, for matching engine outputs like test data. */
export function namedTensors(record: Record<string, Tensor>): NamedTensor[] {
  return Object.entries(record).map(([name, tensor]) => ({ name, tensor }));
}
