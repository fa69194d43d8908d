import { ModelInputError } from '../../errors.js';
import { formatShape, type Tensor } from '../../tensor/tensor.js';
import type { OnnxModel, OnnxValueInfo } from '../ir.js';

/**
 * Replaces named model inputs by constants (e.g. a sequence length or a flag
 * that is fixed in deployment), so that folding can remove the subgraphs that
 * depend only on them. Returns a new model; the original is not changed.
 */
export function freezeInputs(model: OnnxModel, values: Readonly<Record<string, Tensor>>): OnnxModel {
  const file = model.sourcePath;
  const graph = model.graph;
  const byName = new Map(graph.inputs.map((i) => [i.name, i]));
  const initializers = new Map(graph.initializers);
  for (const [name, value] of Object.entries(values)) {
    const input = byName.get(name);
    if (!input) {
      const known = graph.inputs.map((i) => i.name).join(', ') || '(none)';
      throw new ModelInputError('USAGE', `cannot freeze "${name}": the model has no input of that name (inputs: ${known})`, fileOption(file));
    }
    checkFrozenValue(input, value, file);
    initializers.set(name, value);
  }
  const frozen = new Set(Object.keys(values));
  return {
    ...model,
    graph: { ...graph, inputs: graph.inputs.filter((i) => !frozen.has(i.name)), initializers },
  };
}

function checkFrozenValue(input: OnnxValueInfo, value: Tensor, file: string | undefined): void {
  if (input.dtype !== undefined && input.dtype !== value.dtype) {
    throw new ModelInputError('USAGE', `cannot freeze "${input.name}": it is ${input.dtype}, the value given is ${value.dtype}`, fileOption(file));
  }
  const declared = input.shape;
  if (declared === undefined) return;
  const fits =
    declared.length === value.shape.length &&
    declared.every((d, i) => typeof d !== 'number' || d === value.shape[i]);
  if (!fits) {
    throw new ModelInputError(
      'USAGE',
      `cannot freeze "${input.name}": declared shape ${formatShape(declared.map((d) => (typeof d === 'number' ? d : null)))} does not accept ${formatShape(value.shape)}`,
      fileOption(file),
    );
  }
}

function fileOption(file: string | undefined): { file?: string } {
  return file === undefined ? {} : { file };
}
