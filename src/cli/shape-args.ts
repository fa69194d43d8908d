/**
 * Parsers for the input-shape options of `convert` and `check`, each
 * repeatable. `fail` throws the command's usage error (exit 2):
 *
 *   --input-shape NAME=1x3x224x224
 *   --range NAME:DIM=MIN..MAX            (DIM: an index or a symbolic dim name)
 *   --enumerate NAME=1x3x224x224,1x3x320x320
 *
 * Names are split at the last '=' (and, for --range, the last ':' before it),
 * so input names that contain ':' themselves ("input:0") still work.
 */

type Fail = (message: string) => never;
type Raw = string | string[] | boolean | undefined;

export interface ShapeArgs {
  inputShapes?: Record<string, number[]>;
  ranges?: Record<string, Record<string, [number, number]>>;
  enumeratedShapes?: Record<string, number[][]>;
}

const SIZE = /^[1-9]\d*$/;

function items(raw: Raw): string[] {
  return Array.isArray(raw) ? raw : [];
}

/** `1x3x224x224` → [1, 3, 224, 224]; undefined when any size is not a positive integer. */
function parseDims(text: string): number[] | undefined {
  const parts = text.trim().split(/x/i);
  return parts.every((p) => SIZE.test(p.trim())) ? parts.map((p) => Number(p.trim())) : undefined;
}

function splitAssignment(item: string): { name: string; value: string } | undefined {
  const eq = item.lastIndexOf('=');
  return eq <= 0 ? undefined : { name: item.slice(0, eq), value: item.slice(eq + 1) };
}

export function parseInputShapes(raw: Raw, fail: Fail): Record<string, number[]> | undefined {
  const list = items(raw);
  if (list.length === 0) return undefined;
  const out: Record<string, number[]> = {};
  for (const item of list) {
    const parts = splitAssignment(item);
    const dims = parts && parseDims(parts.value);
    if (!parts || !dims) fail(`--input-shape takes NAME=SIZExSIZE... with positive integer sizes, e.g. x=1x3x224x224, got '${item}'`);
    if (Object.hasOwn(out, parts.name)) fail(`--input-shape names input '${parts.name}' twice`);
    out[parts.name] = dims;
  }
  return out;
}

export function parseRanges(raw: Raw, fail: Fail): Record<string, Record<string, [number, number]>> | undefined {
  const list = items(raw);
  if (list.length === 0) return undefined;
  const out: Record<string, Record<string, [number, number]>> = {};
  for (const item of list) {
    const parts = splitAssignment(item);
    const colon = parts ? parts.name.lastIndexOf(':') : -1;
    const bounds = parts ? /^\s*([1-9]\d*)\s*\.\.\s*([1-9]\d*)\s*$/.exec(parts.value) : null;
    if (!parts || colon <= 0 || colon === parts.name.length - 1 || !bounds) {
      fail(`--range takes NAME:DIM=MIN..MAX with DIM an index or a symbolic dim name and positive integer bounds, e.g. x:0=1..8, got '${item}'`);
    }
    const name = parts.name.slice(0, colon);
    const dim = parts.name.slice(colon + 1);
    const [min, max] = [Number(bounds[1]), Number(bounds[2])];
    if (min > max) fail(`--range ${name}:${dim}: the minimum ${min} is above the maximum ${max}`);
    const dims = (out[name] ??= {});
    if (Object.hasOwn(dims, dim)) fail(`--range gives dim ${dim} of input '${name}' twice`);
    dims[dim] = [min, max];
  }
  return out;
}

export function parseEnumerated(raw: Raw, fail: Fail): Record<string, number[][]> | undefined {
  const list = items(raw);
  if (list.length === 0) return undefined;
  const out: Record<string, number[][]> = {};
  for (const item of list) {
    const parts = splitAssignment(item);
    const shapes = parts?.value.split(',').map(parseDims);
    if (!parts || !shapes || shapes.some((s) => s === undefined)) {
      fail(`--enumerate takes NAME=SHAPE,SHAPE... with shapes like 1x3x224x224, got '${item}'`);
    }
    if (Object.hasOwn(out, parts.name)) fail(`--enumerate names input '${parts.name}' twice`);
    out[parts.name] = shapes as number[][];
  }
  return out;
}

/** All three, keeping only the ones given. */
export function parseShapeArgs(values: Readonly<Record<string, Raw>>, fail: Fail): ShapeArgs {
  const inputShapes = parseInputShapes(values['input-shape'], fail);
  const ranges = parseRanges(values['range'], fail);
  const enumeratedShapes = parseEnumerated(values['enumerate'], fail);
  return {
    ...(inputShapes === undefined ? {} : { inputShapes }),
    ...(ranges === undefined ? {} : { ranges }),
    ...(enumeratedShapes === undefined ? {} : { enumeratedShapes }),
  };
}
