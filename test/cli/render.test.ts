import { describe, expect, it } from 'vitest';
import { describeGate, formatMetric, renderCheck, renderConvert, renderVerify, unsupportedLines } from '../../src/cli/render.js';
import type { CheckFileResult, ConvertFileResult } from '../../src/pipeline.js';

const coverage: CheckFileResult = {
  model: 'm.onnx',
  ops: [
    { op: 'Relu', count: 3, folded: 0, failed: 0, skipped: 0, supported: true, milOps: ['relu'], emitted: { relu: 3 } },
    { op: 'Conv', count: 2, folded: 0, failed: 0, skipped: 0, supported: true, milOps: ['conv', 'add'], emitted: { conv: 2, add: 1 } },
    { op: 'Shape', count: 1, folded: 1, failed: 0, skipped: 0, supported: true, milOps: [], emitted: {} },
    { op: 'Weird', count: 1, folded: 0, failed: 1, skipped: 0, supported: false, milOps: [], emitted: {} },
  ],
  unsupported: [{ op: 'Weird', node: 'w1', reason: 'no converter for Weird' }],
};

describe('renderCheck', () => {
  it('summarises, lists op types alphabetically with counts and the ops they became, then the unsupported nodes', () => {
    expect(renderCheck(coverage)).toEqual([
      'm.onnx: 4 op type(s), 7 node(s), 1 unsupported node(s)',
      '  op     nodes  folded  converted to',
      '  Conv       2       0  conv ×2, add',
      '  Relu       3       0  relu ×3',
      '  Shape      1       1  (folded)',
      '  Weird      1       0  UNSUPPORTED',
      'unsupported nodes (1):',
      "  Weird  node 'w1': no converter for Weird",
    ]);
  });

  it('says all supported and lists no nodes when everything converts', () => {
    const lines = renderCheck({ model: 'ok.onnx', ops: [coverage.ops[0]!], unsupported: [] });
    expect(lines[0]).toBe('ok.onnx: 1 op type(s), 3 node(s), all supported');
    expect(lines.some((l) => l.startsWith('unsupported'))).toBe(false);
  });
});

describe('unsupportedLines', () => {
  it('aligns node names after op types of different lengths', () => {
    expect(unsupportedLines([
      { op: 'A', node: 'n1', reason: 'r' },
      { op: 'LongOp', node: 'n2', reason: 'r' },
    ])).toEqual(["  A       node 'n1': r", "  LongOp  node 'n2': r"]);
  });
});

describe('renderConvert', () => {
  it('names the package, the target, sizes and stage times', () => {
    const result: ConvertFileResult = {
      ...coverage,
      unsupported: [],
      output: 'out/m.mlpackage',
      target: 'iOS16',
      precision: 'fp32',
      onnxBytes: 2_000_000,
      sizeBytes: 2_100_000,
      weightBytes: 1_900_000,
      seconds: 0.5,
      timings: { load: 0.1, check: 0.01, convert: 0.2, write: 0.15 },
      warnings: ['w'],
      renamed: {},
      onnxOps: {},
      milOps: {},
      interfaceNotes: ['image input "x" (RGB): tensor = pixel·0.5 + [0, 0, 0]'],
    };
    expect(renderConvert(result)).toEqual([
      'wrote out/m.mlpackage (iOS16, fp32)',
      '  m.onnx: 7 node(s), 4 op type(s), 2.0 MB',
      '  package 2.1 MB (weights 1.9 MB)',
      '  0.50 s (load 0.10 s, convert 0.20 s, write 0.15 s)',
      '  image input "x" (RGB): tensor = pixel·0.5 + [0, 0, 0]',
    ]);
  });
});

describe('renderVerify', () => {
  const output = {
    shape: [1, 10],
    dtype: 'float32' as const,
    maxRelError: null,
    meanAbsError: 1e-5,
    snrDb: 50,
    cosine: 0.99999,
    top1Agreement: null,
    top5Agreement: null,
  };

  it('shows the verdict, the engine, the gate, the data sets and each output with its metrics', () => {
    const lines = renderVerify('p.mlpackage', {
      pass: false,
      engine: 'reference interpreter',
      gate: { kind: 'psnr', minDb: 40 },
      dataSets: ['test_data_set_0', 'test_data_set_1'],
      outputs: [
        { ...output, name: 'logits', pass: true, psnrDb: 52.123456, maxAbsError: 0.000123, top1Agreement: 1, top5Agreement: 0.5 },
        { ...output, name: 'boxes', pass: false, psnrDb: 12.5, maxAbsError: 3, cosine: null, reason: 'PSNR 12.5 dB < 40 dB' },
      ],
    });
    expect(lines).toEqual([
      'FAIL p.mlpackage',
      '  engine: reference interpreter; gate: PSNR >= 40 dB; data: test_data_set_0, test_data_set_1',
      '  logits  [1, 10] float32  pass  PSNR 52.12 dB  max abs 1.230e-4  cosine 0.999990  top-1 100%  top-5 50%',
      '  boxes  [1, 10] float32  FAIL  PSNR 12.50 dB  max abs 3  PSNR 12.5 dB < 40 dB',
    ]);
  });
});

describe('describeGate', () => {
  it('spells out each kind of gate', () => {
    expect(describeGate({ kind: 'elementwise', atol: 1e-4, rtol: 1e-3 })).toBe('|out - ref| <= 0.0001 + 0.001*|ref|');
    expect(describeGate({ kind: 'psnr', minDb: 30 })).toBe('PSNR >= 30 dB');
    expect(describeGate({ kind: 'exact' })).toBe('exact match');
  });
});

describe('formatMetric', () => {
  it('keeps integers, spells out infinities and NaN, and uses exponents for tiny values', () => {
    expect(formatMetric(0)).toBe('0');
    expect(formatMetric(42)).toBe('42');
    expect(formatMetric(Infinity)).toBe('Infinity');
    expect(formatMetric(Number.NaN)).toBe('NaN');
    expect(formatMetric(3.14159)).toBe('3.142');
    expect(formatMetric(2e-7)).toBe('2.000e-7');
  });
});
