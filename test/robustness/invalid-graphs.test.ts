import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import type { OnnxModel, OnnxNode } from '../../src/onnx/ir.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { captureIO, makeTempDir, STACK_LINE } from '../cli/fixtures.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

/**
 * Models that decode but are inconsistent (issue 15, point 2): each one is an
 * input error (exit 2) for both `check` and `convert`, naming the node or the
 * value at fault, never a "converter bug".
 */

let temp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  temp = makeTempDir();
});
afterAll(() => temp.remove());

const f32 = (shape: number[], fill = 0.5) => makeTensor('float32', shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill));
const i64 = (values: number[]) => makeTensor('int64', [values.length], BigInt64Array.from(values.map(BigInt)));
const named = (n: OnnxNode, name: string): OnnxNode => ({ ...n, name });

interface InvalidCase {
  name: string;
  build: () => OnnxModel;
  /** What the message must name (a node, a value) and say. */
  message: RegExp;
}

const relu = (x: string, y: string, name = `relu_${y}`) => named(node('Relu', [x], [y]), name);

const CASES: InvalidCase[] = [
  {
    name: 'a cycle between two nodes',
    build: () => model({ nodes: [relu('b', 'a', 'first'), relu('a', 'b', 'second')], inputs: [valueInfo('x', 'float32', [2])], outputs: [valueInfo('b', 'float32', [2])] }),
    message: /cycle through nodes first, second/,
  },
  {
    name: 'a node reading a value nothing defines',
    build: () => model({ nodes: [relu('ghost', 'y', 'reader')], inputs: [valueInfo('x', 'float32', [2])], outputs: [valueInfo('y', 'float32', [2])] }),
    message: /node "reader" \(Relu\) reads "ghost", which no node, input or initializer defines/,
  },
  {
    name: 'two nodes writing the same value',
    build: () => model({ nodes: [relu('x', 'y', 'one'), named(node('Sigmoid', ['x'], ['y']), 'two')], inputs: [valueInfo('x', 'float32', [2])], outputs: [valueInfo('y', 'float32', [2])] }),
    message: /node "two" \(Sigmoid\) writes "y", which node "one" already writes/,
  },
  {
    name: 'a node writing over a graph input',
    build: () => model({ nodes: [relu('x', 'x', 'self')], inputs: [valueInfo('x', 'float32', [2])], outputs: [valueInfo('x', 'float32', [2])] }),
    message: /node "self" \(Relu\) writes "x", which is a graph input/,
  },
  {
    name: 'a node writing over an initializer',
    build: () => model({ nodes: [named(node('Add', ['x', 'w'], ['w']), 'clobber')], inputs: [valueInfo('x', 'float32', [2])], outputs: [valueInfo('w', 'float32', [2])], initializers: { w: f32([2]) } }),
    message: /node "clobber" \(Add\) writes "w", which is an initializer/,
  },
  {
    name: 'one node writing the same name twice',
    build: () => model({ nodes: [named(node('Split', ['x'], ['h', 'h'], { axis: 0 }), 'split')], inputs: [valueInfo('x', 'float32', [4])], outputs: [valueInfo('h', 'float32', [2])] }),
    message: /node "split" \(Split\) writes "h" twice/,
  },
  {
    name: 'a graph output listed twice',
    build: () => model({ nodes: [relu('x', 'y')], inputs: [valueInfo('x', 'float32', [2])], outputs: [valueInfo('y', 'float32', [2]), valueInfo('y', 'float32', [2])] }),
    message: /graph output "y" is listed twice/,
  },
  {
    name: 'an output no node produces',
    build: () => model({ nodes: [relu('x', 'y')], inputs: [valueInfo('x', 'float32', [2])], outputs: [valueInfo('nowhere', 'float32', [2])] }),
    message: /graph output "nowhere" is not produced by any node, input or initializer/,
  },
  {
    name: 'an empty graph',
    build: () => model({ nodes: [], inputs: [], outputs: [] }),
    message: /the graph has no outputs/,
  },
  {
    name: 'an unknown IR version (99)',
    build: () => ({ ...model({ nodes: [relu('x', 'y')], inputs: [valueInfo('x', 'float32', [2])], outputs: [valueInfo('y', 'float32', [2])] }), irVersion: 99 }),
    message: /ir_version 99 is newer than any this tool knows/,
  },
  {
    name: 'an input dim beyond int32 (4294967330)',
    build: () => model({ nodes: [relu('x', 'y')], inputs: [valueInfo('x', 'float32', [1, 4294967330])], outputs: [valueInfo('y', 'float32', [1, 4294967330])] }),
    message: /input "x" has dimension 4294967330, above the largest Core ML allows \(2147483647\)/,
  },
  {
    name: 'a static input of 1e6 × 1e6',
    build: () => model({ nodes: [relu('x', 'y')], inputs: [valueInfo('x', 'float32', [1e6, 1e6])], outputs: [valueInfo('y', 'float32', [1e6, 1e6])] }),
    message: /input "x" has 1000000000000 elements, above the limit of/,
  },
  {
    name: 'a declared intermediate dim beyond int32',
    build: () => {
      const m = model({ nodes: [relu('x', 'h'), relu('h', 'y')], inputs: [valueInfo('x', 'float32', [2])], outputs: [valueInfo('y', 'float32', [2])] });
      m.graph.valueInfo.set('h', valueInfo('h', 'float32', [3e10]));
      return m;
    },
    message: /value "h" has dimension 30000000000/,
  },
  {
    name: 'Gemm whose features do not match its weight',
    build: () => model({ nodes: [named(node('Gemm', ['x', 'w'], ['y']), '/linear/Gemm')], inputs: [valueInfo('x', 'float32', [1, 10])], outputs: [valueInfo('y', 'float32', [1, 3])], initializers: { w: f32([2, 3]) } }),
    message: /node "\/linear\/Gemm" \(Gemm\): A has 10 columns but B has 2 rows/,
  },
  {
    name: 'Gemm with transB whose features do not match',
    build: () => model({ nodes: [named(node('Gemm', ['x', 'w'], ['y'], { transB: 1 }), 'fc')], inputs: [valueInfo('x', 'float32', [1, 10])], outputs: [valueInfo('y', 'float32', [1, 3])], initializers: { w: f32([3, 4]) } }),
    message: /node "fc" \(Gemm\): A has 10 columns but B has 4 rows/,
  },
  {
    name: 'Gemm whose bias does not broadcast',
    build: () => model({ nodes: [named(node('Gemm', ['x', 'w', 'b'], ['y']), 'fc')], inputs: [valueInfo('x', 'float32', [1, 2])], outputs: [valueInfo('y', 'float32', [1, 3])], initializers: { w: f32([2, 3]), b: f32([5]) } }),
    message: /node "fc" \(Gemm\): .*do not broadcast/,
  },
  {
    name: 'Gemm on a 3-D input',
    build: () => model({ nodes: [named(node('Gemm', ['x', 'w'], ['y']), 'fc')], inputs: [valueInfo('x', 'float32', [1, 2, 2])], outputs: [valueInfo('y', 'float32', [1, 3])], initializers: { w: f32([2, 3]) } }),
    message: /node "fc" \(Gemm\): .*2-D/,
  },
  {
    name: 'MatMul whose inner dims differ',
    build: () => model({ nodes: [named(node('MatMul', ['x', 'w'], ['y']), 'mm')], inputs: [valueInfo('x', 'float32', [1, 5])], outputs: [valueInfo('y', 'float32', [1, 3])], initializers: { w: f32([4, 3]) } }),
    message: /node "mm" \(MatMul\): .*5.*4/,
  },
  {
    name: 'MatMul whose batch dims do not broadcast',
    build: () => model({ nodes: [named(node('MatMul', ['x', 'w'], ['y']), 'bmm')], inputs: [valueInfo('x', 'float32', [2, 1, 4])], outputs: [valueInfo('y', 'float32', [3, 1, 3])], initializers: { w: f32([3, 4, 3]) } }),
    message: /node "bmm" \(MatMul\): .*do not broadcast/,
  },
  {
    name: 'Conv whose input channels do not match its weight',
    build: () => model({ nodes: [named(node('Conv', ['x', 'w'], ['y'], { kernel_shape: [3, 3] }), '/conv1/Conv')], inputs: [valueInfo('x', 'float32', [1, 3, 8, 8])], outputs: [valueInfo('y', 'float32', [1, 4, 6, 6])], initializers: { w: f32([4, 2, 3, 3]) } }),
    message: /node "\/conv1\/Conv" \(Conv\): the input has 3 channels but the weight expects 2 \(× group 1\)/,
  },
  {
    // Found by `npm run fuzz -- 20000 99` (a mutated kernel_shape): shape inference read the attribute, the converter the weight.
    name: 'Conv whose kernel_shape contradicts its weight',
    build: () => model({ nodes: [named(node('Conv', ['x', 'w'], ['y'], { kernel_shape: [1, 3], pads: [1, 1, 1, 1] }), 'kconv')], inputs: [valueInfo('x', 'float32', [1, 2, 4, 4])], outputs: [valueInfo('y', 'float32', [1, 3, 4, 4])], initializers: { w: f32([3, 2, 3, 3]) } }),
    message: /node "kconv" \(Conv\): kernel_shape \[1, 3\] does not match the weight's spatial dims \[3, 3\]/,
  },
  {
    name: 'ConvTranspose whose kernel_shape contradicts its weight',
    build: () => model({ nodes: [named(node('ConvTranspose', ['x', 'w'], ['y'], { kernel_shape: [2, 2] }), 'kdeconv')], inputs: [valueInfo('x', 'float32', [1, 2, 4, 4])], outputs: [valueInfo('y', 'float32', [1, 3, 6, 6])], initializers: { w: f32([2, 3, 3, 3]) } }),
    message: /node "kdeconv" \(ConvTranspose\): kernel_shape \[2, 2\] does not match the weight's spatial dims \[3, 3\]/,
  },
  {
    name: 'grouped Conv whose output channels do not divide by group',
    build: () => model({ nodes: [named(node('Conv', ['x', 'w'], ['y'], { group: 2 }), 'gconv')], inputs: [valueInfo('x', 'float32', [1, 4, 8, 8])], outputs: [valueInfo('y', 'float32', [1, 3, 8, 8])], initializers: { w: f32([3, 2, 1, 1]) } }),
    message: /node "gconv" \(Conv\): the weight has 3 output channels, which group 2 does not divide/,
  },
  {
    name: 'Conv whose bias length differs from its output channels',
    build: () => model({ nodes: [named(node('Conv', ['x', 'w', 'b'], ['y']), 'cb')], inputs: [valueInfo('x', 'float32', [1, 2, 4, 4])], outputs: [valueInfo('y', 'float32', [1, 4, 4, 4])], initializers: { w: f32([4, 2, 1, 1]), b: f32([3]) } }),
    message: /node "cb" \(Conv\): the bias has 3 values but the weight has 4 output channels/,
  },
  {
    name: 'Add of shapes that do not broadcast',
    build: () => model({ nodes: [named(node('Add', ['x', 'w'], ['y']), 'add')], inputs: [valueInfo('x', 'float32', [2, 3])], outputs: [valueInfo('y', 'float32', [2, 3])], initializers: { w: f32([4]) } }),
    message: /node "add" \(Add\): dims 3 and 4 do not broadcast/,
  },
  {
    name: 'Concat of inputs whose other dims differ',
    build: () => model({ nodes: [named(node('Concat', ['x', 'w'], ['y'], { axis: 0 }), 'cat')], inputs: [valueInfo('x', 'float32', [2, 3])], outputs: [valueInfo('y', 'float32', [4, 3])], initializers: { w: f32([2, 4]) } }),
    message: /node "cat" \(Concat\): .*3.*4/,
  },
  {
    name: 'BatchNormalization whose scale length differs from the channels',
    build: () =>
      model({
        nodes: [named(node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y']), 'bn')],
        inputs: [valueInfo('x', 'float32', [1, 3, 2, 2])],
        outputs: [valueInfo('y', 'float32', [1, 3, 2, 2])],
        initializers: { s: f32([4]), b: f32([4]), m: f32([4]), v: f32([4]) },
      }),
    message: /node "bn" \(BatchNormalization\): .*4 values but the input has 3 channels/,
  },
  {
    name: 'a declared output shape that contradicts the inferred one',
    build: () => model({ nodes: [named(node('MatMul', ['x', 'w'], ['y']), 'mm')], inputs: [valueInfo('x', 'float32', [1, 4])], outputs: [valueInfo('y', 'float32', [1, 7])], initializers: { w: f32([4, 3]) } }),
    message: /node "mm" \(MatMul\): output "y" is declared \[1, 7\] but computes to \[1, 3\]/,
  },
  {
    name: 'a declared output rank that contradicts the inferred one',
    build: () => model({ nodes: [relu('x', 'y', 'r')], inputs: [valueInfo('x', 'float32', [2, 2])], outputs: [valueInfo('y', 'float32', [4])] }),
    message: /node "r" \(Relu\): output "y" is declared \[4\] but computes to \[2, 2\]/,
  },
  {
    name: 'Resize by an infinite scale',
    build: () =>
      model({
        nodes: [named(node('Resize', ['x', '', 's'], ['y'], { mode: 'nearest' }), 'up')],
        inputs: [valueInfo('x', 'float32', [1, 1, 2, 2])],
        outputs: [valueInfo('y', 'float32', [1, 1, null, null])],
        initializers: { s: makeTensor('float32', [4], Float32Array.of(1, 1, Infinity, Infinity)) },
      }),
    message: /node "up" \(Resize\): .*(not finite|Infinity)/,
  },
  {
    name: 'Expand to a dim beyond int32',
    build: () => model({ nodes: [named(node('Expand', ['x', 's'], ['y']), 'grow')], inputs: [valueInfo('x', 'float32', [1])], outputs: [valueInfo('y', 'float32', [null])], initializers: { s: i64([4294967330]) } }),
    message: /node "grow" \(Expand\): .*4294967330/,
  },
  // Crash classes the fuzzer (test/fuzz) found, each a "converter bug" before.
  {
    name: 'Conv on an int32 input',
    build: () => model({ nodes: [named(node('Conv', ['x', 'w'], ['y']), 'iconv')], inputs: [valueInfo('x', 'int32', [1, 2, 4, 4])], outputs: [valueInfo('y', 'float32', [1, 3, 4, 4])], initializers: { w: f32([3, 2, 1, 1]) } }),
    message: /node "iconv" \(Conv\): input "x" is int32, but Conv takes floating-point tensors only/,
  },
  {
    name: 'an If whose condition is a float tensor',
    build: () => {
      const branch = (name: string, op: string) => ({ name, nodes: [node(op, ['x'], [`${name}_out`])], inputs: [], outputs: [valueInfo(`${name}_out`, 'float32', [2])], initializers: new Map(), valueInfo: new Map() });
      return model({
        nodes: [named(node('If', ['c'], ['y'], { then_branch: { type: 'graph', value: branch('then', 'Sigmoid') }, else_branch: { type: 'graph', value: branch('else', 'Tanh') } }), 'fif')],
        inputs: [valueInfo('x', 'float32', [2]), valueInfo('c', 'float32', [])],
        outputs: [valueInfo('y', 'float32', [2])],
      });
    },
    message: /node "fif" \(If\): input "c" is float32, but If takes a bool condition/,
  },
  {
    name: 'Gemm of an int32 input and float32 weights',
    build: () => model({ nodes: [named(node('Gemm', ['x', 'w'], ['y']), 'mixed')], inputs: [valueInfo('x', 'int32', [1, 2])], outputs: [valueInfo('y', 'float32', [1, 3])], initializers: { w: f32([2, 3]) } }),
    message: /node "mixed" \(Gemm\): inputs "x" \(int32\) and "w" \(float32\) differ in type, but Gemm takes one type/,
  },
  {
    name: 'Gemm on a bool input',
    build: () => model({ nodes: [named(node('Gemm', ['x', 'w'], ['y']), 'bgemm')], inputs: [valueInfo('x', 'bool', [1, 2])], outputs: [valueInfo('y', 'float32', [1, 3])], initializers: { w: f32([2, 3]) } }),
    message: /node "bgemm" \(Gemm\): input "x" is bool, but Gemm takes numeric tensors only/,
  },
  {
    name: 'Conv whose window is larger than its padded input',
    build: () => model({ nodes: [named(node('Conv', ['x', 'w'], ['y']), 'wide')], inputs: [valueInfo('x', 'float32', [1, 1, 2, 2])], outputs: [valueInfo('y', 'float32', [1, 1, null, null])], initializers: { w: f32([1, 1, 3, 3]) } }),
    message: /node "wide" \(Conv\): spatial dim 0 would have output size 0/,
  },
  {
    name: 'an If branch returning a value nothing defines',
    build: () => {
      const branch = (name: string, out: string) => ({ name, nodes: [], inputs: [], outputs: [valueInfo(out, 'float32', [2])], initializers: new Map(), valueInfo: new Map() });
      return model({
        nodes: [named(node('If', ['c'], ['y'], { then_branch: { type: 'graph', value: branch('then', 'x') }, else_branch: { type: 'graph', value: branch('else', 'nowhere') } }), 'choose')],
        inputs: [valueInfo('x', 'float32', [2]), valueInfo('c', 'bool', [])],
        outputs: [valueInfo('y', 'float32', [2])],
      });
    },
    message: /node "choose" \(If\): else_branch returns "nowhere", which nothing in it or around it defines/,
  },
];

async function run(args: string[]): Promise<{ code: number; err: string }> {
  const io = captureIO();
  const code = await main(args, io);
  return { code, err: io.err() };
}

describe('invalid graphs are input errors (exit 2) for check and convert, naming what is wrong', () => {
  CASES.forEach((c, k) => {
    it(c.name, async () => {
      const path = join(temp.dir, `invalid${k}.onnx`);
      writeFileSync(path, encodeOnnxModel(c.build()));
      for (const args of [['check', path], ['convert', path, '-o', join(temp.dir, `invalid${k}.mlpackage`)]]) {
        const { code, err } = await run(args);
        expect(err, args[0]).toMatch(c.message);
        expect(err).toContain(path);
        expect(err).not.toMatch(/bug/);
        expect(err).not.toMatch(STACK_LINE);
        expect(code, `${args[0]}: ${err}`).toBe(2);
      }
    });
  });
});

describe('a node with more outputs than its op has', () => {
  it('is refused as unsupported (exit 1) naming the node and the output, not as a converter bug', async () => {
    const m = model({ nodes: [named(node('Relu', ['x'], ['y', 'extra']), 'twice')], inputs: [valueInfo('x', 'float32', [2])], outputs: [valueInfo('y', 'float32', [2])] });
    const path = join(temp.dir, 'extra-output.onnx');
    writeFileSync(path, encodeOnnxModel(m));
    const { code, err } = await run(['convert', path, '-o', join(temp.dir, 'extra-output.mlpackage')]);
    expect(err).toMatch(/node "twice" \(Relu\): output 1 \("extra"\) is not one this converter produces for Relu/);
    expect(err).not.toMatch(/bug/);
    expect(code).toBe(1);
  });
});

describe('an If whose declared output shape differs from what its branches compute', () => {
  const branch = (name: string, op: string, shape: number[]) => ({ name, nodes: [node(op, ['x'], [`${name}_out`])], inputs: [], outputs: [valueInfo(`${name}_out`, 'float32', shape)], initializers: new Map(), valueInfo: new Map() });
  const ifModel = (declared: number[]) =>
    model({
      nodes: [named(node('If', ['c'], ['y'], { then_branch: { type: 'graph', value: branch('then', 'Sigmoid', [1, 3]) }, else_branch: { type: 'graph', value: branch('else', 'Tanh', [1, 3]) } }), 'pick')],
      inputs: [valueInfo('x', 'float32', [1, 3]), valueInfo('c', 'bool', [])],
      outputs: [valueInfo('y', 'float32', declared)],
    });

  it('check and convert refuse it as an input error (exit 2) naming the node', async () => {
    const path = join(temp.dir, 'if-declared.onnx');
    writeFileSync(path, encodeOnnxModel(ifModel([17, 3])));
    for (const args of [['check', path], ['check', path, '--json'], ['convert', path, '-o', join(temp.dir, 'if-declared.mlpackage')]]) {
      const { code, err } = await run(args);
      expect(err, args.join(' ')).toMatch(/node "pick" \(If\): output "y" is declared \[17, 3\] but computes to \[1, 3\]/);
      expect(err).toContain(path);
      expect(err).not.toMatch(/bug/);
      expect(err).not.toMatch(STACK_LINE);
      expect(code, args.join(' ')).toBe(2);
    }
  });

  it('a declared shape that matches what both branches compute passes check', async () => {
    const path = join(temp.dir, 'if-agreed.onnx');
    writeFileSync(path, encodeOnnxModel(ifModel([1, 3])));
    const { code, err } = await run(['check', path]);
    expect(err).toBe('');
    expect(code).toBe(0);
  });
});
