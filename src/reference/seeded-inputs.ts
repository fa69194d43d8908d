import { ToolError } from '../errors.js';
import { allocStorage, type DType, type DTypeStorage } from '../tensor/dtype.js';
import { float32ToFloat16Bits } from '../tensor/fp16.js';
import { mulberry32 } from '../tensor/random.js';
import { elementCount, formatShape, makeTensor, type Tensor } from '../tensor/tensor.js';

/** What a model input needs to be generated: its name, element type and static shape. */
export interface InputSpec {
  name: string;
  dtype: DType;
  shape: number[];
}

/**
 * Deterministic inputs for a model, for when no test data ships with it.
 *
 * Each input gets its own random stream, seeded from `seed` and the input's name, so an
 * input's values do not change when other inputs are added or reordered. Floats are
 * standard normal (mean 0, deviation 1); integers are uniform in 0..9, small enough to be
 * valid indices, lengths and token ids for most models; bool is 0 or 1.
 */
/** Largest generated input: 2^24 elements (64 MB of float32). Models come from pull requests and may declare any shape. */
const MAX_GENERATED_ELEMENTS = 2 ** 24;

export function generateInputs(specs: readonly InputSpec[], seed: number): Record<string, Tensor> {
  const inputs: Record<string, Tensor> = {};
  for (const spec of specs) {
    if (!spec.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new ToolError('REFERENCE', `cannot generate input "${spec.name}": shape ${formatShape(spec.shape)} is not static`);
    }
    const generate = GENERATORS[spec.dtype];
    if (!generate) throw new ToolError('REFERENCE', `cannot generate input "${spec.name}" of type ${spec.dtype}`);
    const n = elementCount(spec.shape);
    if (!(n <= MAX_GENERATED_ELEMENTS)) {
      throw new ToolError(
        'REFERENCE',
        `cannot generate input "${spec.name}": shape ${formatShape(spec.shape)} has ${n} elements, above the ${MAX_GENERATED_ELEMENTS} a generated input may have (ship test data beside the model instead)`,
      );
    }
    const random = mulberry32((seed ^ fnv1a(spec.name)) >>> 0);
    inputs[spec.name] = makeTensor(spec.dtype, spec.shape, generate(n, random) as DTypeStorage[typeof spec.dtype]);
  }
  return inputs;
}

type Random = () => number;
type Generator = (n: number, random: Random) => DTypeStorage[DType];

const SMALL_INT_RANGE = 10;

function fill<D extends DType>(dtype: D, value: (random: Random) => number | bigint): Generator {
  return (n, random) => {
    const data = allocStorage(dtype, n) as { [i: number]: number | bigint; length: number };
    for (let i = 0; i < n; i++) data[i] = value(random);
    return data as DTypeStorage[D];
  };
}

const smallInt = (random: Random) => Math.floor(random() * SMALL_INT_RANGE);

const GENERATORS: Readonly<Partial<Record<DType, Generator>>> = {
  float32: fill('float32', normal),
  float64: fill('float64', normal),
  float16: fill('float16', (r) => float32ToFloat16Bits(normal(r))),
  int8: fill('int8', smallInt),
  int16: fill('int16', smallInt),
  int32: fill('int32', smallInt),
  int64: fill('int64', (r) => BigInt(smallInt(r))),
  uint8: fill('uint8', smallInt),
  uint16: fill('uint16', smallInt),
  uint32: fill('uint32', smallInt),
  uint64: fill('uint64', (r) => BigInt(smallInt(r))),
  bool: fill('bool', (r) => (r() < 0.5 ? 0 : 1)),
};

/** Standard normal sample by Box–Muller; 1 − u keeps the logarithm's argument above zero. */
function normal(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
