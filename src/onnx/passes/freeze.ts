import { ModelInputError } from '../../errors.js';
import type { DType, TensorData } from '../../tensor/dtype.js';
import { float32ToFloat16Bits } from '../../tensor/fp16.js';
import { formatShape, makeTensor, type Tensor } from '../../tensor/tensor.js';
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

/**
 * Builds the tensors to freeze from plain numbers (the CLI's `--freeze
 * NAME=VALUE`): each takes the dtype of the model input it replaces and the
 * input's declared shape, with at most one unknown dimension sized to fit
 * the values. A single value for an input of unknown rank is a scalar.
 */
export function freezeValuesFor(model: OnnxModel, values: Readonly<Record<string, readonly number[]>>): Record<string, Tensor> {
  const file = model.sourcePath;
  const out: Record<string, Tensor> = {};
  for (const [name, numbers] of Object.entries(values)) {
    const input = model.graph.inputs.find((i) => i.name === name);
    if (!input) {
      const known = model.graph.inputs.map((i) => i.name).join(', ') || '(none)';
      throw new ModelInputError('USAGE', `cannot freeze "${name}": the model has no input of that name (inputs: ${known})`, fileOption(file));
    }
    const dtype = input.dtype ?? 'float32';
    const shape = frozenShape(input, numbers.length, file);
    out[name] = makeTensor(dtype, shape, typedValues(dtype, numbers, name, file) as never);
  }
  return out;
}

function frozenShape(input: OnnxValueInfo, count: number, file: string | undefined): number[] {
  const declared = input.shape;
  if (declared === undefined) return count === 1 ? [] : [count];
  const known = declared.reduce<number>((p, d) => (typeof d === 'number' ? p * d : p), 1);
  const unknown = declared.filter((d) => typeof d !== 'number').length;
  const fill = unknown === 1 && known > 0 && count % known === 0 ? count / known : undefined;
  if ((unknown === 0 && known === count) || fill !== undefined) return declared.map((d) => (typeof d === 'number' ? d : fill!));
  const shown = formatShape(declared.map((d) => (typeof d === 'number' ? d : null)));
  throw new ModelInputError('USAGE', `cannot freeze "${input.name}": ${count} value(s) do not fill its shape ${shown}`, fileOption(file));
}

/** Typed storage per dtype a command-line value can take. */
const STORAGE: Readonly<Partial<Record<DType, (ns: readonly number[]) => TensorData>>> = {
  float32: (ns) => Float32Array.from(ns),
  float64: (ns) => Float64Array.from(ns),
  float16: (ns) => Uint16Array.from(ns, (n) => float32ToFloat16Bits(n)),
  int64: (ns) => BigInt64Array.from(ns, (n) => BigInt(n)),
  uint64: (ns) => BigUint64Array.from(ns, (n) => BigInt(n)),
  int32: (ns) => Int32Array.from(ns),
  uint32: (ns) => Uint32Array.from(ns),
  int16: (ns) => Int16Array.from(ns),
  uint16: (ns) => Uint16Array.from(ns),
  int8: (ns) => Int8Array.from(ns),
  uint8: (ns) => Uint8Array.from(ns),
  bool: (ns) => Uint8Array.from(ns, (n) => (n !== 0 ? 1 : 0)),
};

function typedValues(dtype: DType, numbers: readonly number[], name: string, file: string | undefined): TensorData {
  const store = STORAGE[dtype];
  if (!store) throw new ModelInputError('USAGE', `cannot freeze "${name}": inputs of type ${dtype} cannot be given on the command line`, fileOption(file));
  const integer = !['float16', 'float32', 'float64'].includes(dtype);
  if (integer && numbers.some((n) => !Number.isInteger(n))) {
    throw new ModelInputError('USAGE', `cannot freeze "${name}": it is ${dtype}, so its values must be integers`, fileOption(file));
  }
  return store(numbers);
}
