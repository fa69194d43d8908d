import type { DType } from '../../tensor/dtype.js';
import type { MilOpDef } from '../catalogue.js';
import { DOMAIN_FIB, MilShapeError, requiredType, sameTypeAs } from './elementwise.js';

/** MIL op definitions: `cast` (per-opset dtype domains) and `identity`. */

/** The dtype names MIL uses in string parameters (`cast.dtype`) and in its text form. */
const MIL_DTYPE_NAMES: Readonly<Partial<Record<DType, string>>> = {
  bool: 'bool',
  int4: 'int4',
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  uint1: 'uint1',
  uint2: 'uint2',
  uint3: 'uint3',
  uint4: 'uint4',
  uint6: 'uint6',
  uint8: 'uint8',
  uint16: 'uint16',
  uint32: 'uint32',
  uint64: 'uint64',
  float16: 'fp16',
  float32: 'fp32',
  float64: 'fp64',
  bfloat16: 'bf16',
  string: 'string',
};

const DTYPE_BY_MIL_NAME = new Map<string, DType>(
  Object.entries(MIL_DTYPE_NAMES).map(([dtype, name]) => [name, dtype as DType]),
);

/** MIL spelling of a dtype ("fp16", "int32", ...). */
export function milDTypeName(dtype: DType): string {
  const name = MIL_DTYPE_NAMES[dtype];
  if (!name) throw new MilShapeError(`dtype ${dtype} has no MIL name`);
  return name;
}

/** The dtype a MIL dtype name denotes, or undefined. */
export function dtypeFromMilName(name: string): DType | undefined {
  return DTYPE_BY_MIL_NAME.get(name);
}

/** iOS17's extended cast domain: adds the narrow integer types. */
export const DOMAIN_X17: readonly DType[] = ['float16', 'float32', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'bool'];

function castDef(since: 'iOS15' | 'iOS17', domain: readonly DType[]): MilOpDef {
  return {
    name: 'cast',
    since,
    inputs: { x: { type: 'T' }, dtype: { type: ['string'], const: true } },
    typeDomains: { T: domain },
    outputs: (input) => {
      const x = requiredType(input, 'x');
      const value = input.value('dtype');
      const name = value?.dtype === 'string' ? (value.data as string[])[0] : undefined;
      const dtype = name === undefined ? undefined : dtypeFromMilName(name);
      if (!dtype || !domain.includes(dtype)) {
        throw new MilShapeError(`cast.dtype "${name ?? '?'}" is not one of ${domain.map(milDTypeName).join(', ')}`);
      }
      return [{ dtype, shape: [...x.shape] }];
    },
  };
}

/** The misc family's MIL op definitions, one entry per op and deployment target that changed it. */
export const miscOpDefs: readonly MilOpDef[] = [
  castDef('iOS15', DOMAIN_FIB),
  castDef('iOS17', DOMAIN_X17),
  {
    name: 'identity',
    since: 'iOS15',
    inputs: { x: { type: 'T' } },
    outputs: sameTypeAs('x'),
  },
];
