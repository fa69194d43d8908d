import { describe, expect, it } from 'vitest';
import { renderReportMarkdown } from '../../src/report/markdown.js';
import { REPORT_SCHEMA_VERSION, serializeReport, type ModelResult, type RunReport } from '../../src/report/schema.js';
import { fitCommentBody, GITHUB_COMMENT_LIMIT } from '../../src/report/truncate.js';

function model(overrides: Partial<ModelResult> = {}): ModelResult {
  return {
    path: 'models/net.onnx',
    status: 'passed',
    onnxBytes: 4_000_000,
    reference: 'test data',
    coverage: [
      { op: 'Conv', count: 3, folded: 0, failed: 0, skipped: 0, milOps: ['conv'], emitted: { conv: 3 }, supported: true },
      { op: 'Relu', count: 3, folded: 0, failed: 0, skipped: 0, milOps: ['relu'], emitted: { relu: 3 }, supported: true },
    ],
    unsupported: [],
    variants: [
      {
        name: 'fp16',
        target: 'iOS15',
        status: 'passed',
        sizeBytes: 2_000_000,
        package: 'net/fp16.mlpackage',
        gate: 'PSNR ≥ 40 dB',
        outputs: [{ name: 'logits', shape: [1, 10], dtype: 'float32', maxAbsError: 1e-3, maxRelError: 1e-2, meanAbsError: 1e-4, snrDb: 60, psnrDb: 62.4, cosine: 1, top1Agreement: 1, exact: false, pass: true }],
        warnings: [],
      },
    ],
    warnings: [],
    seconds: 1.5,
    ...overrides,
  };
}

function report(models: ModelResult[], overrides: Partial<RunReport> = {}): RunReport {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'onnx-coreml-action', version: '0.1.0' },
    engine: 'reference interpreter',
    variants: ['fp16'],
    models,
    gates: { failOnUnsupported: true },
    failures: [],
    passed: true,
    notes: [],
    ...overrides,
  };
}

describe('renderReportMarkdown', () => {
  it('shows the three tables and says which engine produced the numbers', () => {
    const md = renderReportMarkdown(report([model()]));
    expect(md).toContain('**Size**');
    expect(md).toContain('**Accuracy**');
    expect(md).toContain('Op coverage: 2 of 2 ONNX op types supported');
    expect(md).toContain('reference interpreter');
    expect(md).toContain('62.4 dB');
    expect(md).toContain('2.00 MB');
  });

  it('adds Δ columns against the base and marks new models', () => {
    const changed = model({ base: { onnxBytes: 4_000_000, status: 'passed', variants: [{ name: 'fp16', sizeBytes: 1_000_000, outputs: [{ name: 'logits', maxAbsError: 1e-3, psnrDb: 60, top1Agreement: 1 }] }] } });
    const md = renderReportMarkdown(report([changed]));
    expect(md).toContain('+1.00 MB (+100.0%)');
    expect(md).toContain('+2.4 dB');
    expect(renderReportMarkdown(report([model({ base: null })]))).toContain('new');
  });

  it('shows what each compressed variant saves against the fp32 package', () => {
    const m = model();
    const fp32 = { ...m.variants[0]!, name: 'fp32', sizeBytes: 4_000_000 };
    const int8 = { ...m.variants[0]!, name: 'int8', sizeBytes: 1_000_000 };
    const md = renderReportMarkdown(report([model({ variants: [fp32, int8] })]));
    expect(md).toContain('Δ vs fp32');
    expect(md).toContain('−3.00 MB (−75.0%)');
  });

  it('names each refused node with its reason in the coverage table', () => {
    const md = renderReportMarkdown(
      report([
        model({
          status: 'unsupported',
          variants: [],
          coverage: [{ op: 'NonMaxSuppression', count: 1, folded: 0, failed: 1, skipped: 0, milOps: [], emitted: {}, supported: false }],
          unsupported: [{ op: 'NonMaxSuppression', node: 'nms_1', reason: 'no converter for NonMaxSuppression' }],
        }),
      ]),
    );
    expect(md).toMatch(/\| ❌ `nms_1`: no converter for NonMaxSuppression +\|/);
    expect(md).toContain('1 unsupported op type');
  });

  it('shows the ops each type became with their counts, and the folded nodes', () => {
    const md = renderReportMarkdown(
      report([model({ coverage: [{ op: 'Gemm', count: 2, folded: 1, failed: 0, skipped: 0, milOps: ['linear', 'transpose'], emitted: { linear: 1, transpose: 2 }, supported: true }] })]),
    );
    expect(md).toMatch(/\| `Gemm` +\| 2 +\| 1 +\| linear, transpose ×2 +\| ✅ +\|/);
  });

  it('escapes hostile file and tensor names', () => {
    const hostile = model({ path: 'x`y <!-- onnx-coreml-action --> @admin |.onnx' });
    hostile.variants[0]!.outputs[0]!.name = '@team ![](http://x/y.png)';
    const md = renderReportMarkdown(report([hostile]));
    expect(md).not.toContain('<!-- onnx-coreml-action -->');
    expect(md).not.toMatch(/(^|[^\u200b])@(admin|team)/);
    // Tensor names are shown as code: the image syntax stays literal text inside a code span.
    expect(md).toContain('`@\u200bteam ![](http://x/y.png)`');
  });

  it('folds long tables into <details>', () => {
    const many = model();
    many.variants[0]!.outputs = Array.from({ length: 12 }, (_, i) => ({ ...many.variants[0]!.outputs[0]!, name: `out${i}` }));
    expect(renderReportMarkdown(report([many]))).toContain('<details><summary>Accuracy</summary>');
  });
});

describe('fitCommentBody', () => {
  it('leaves short bodies alone', () => {
    expect(fitCommentBody('short', 'cut')).toBe('short');
  });

  it('cuts below the limit, closes open details and points at the full report', () => {
    const body = `<details><summary>x</summary>\n\n${'row 😀 |\n'.repeat(20_000)}</details>`;
    const fitted = fitCommentBody(body, 'Truncated: see the full report.');
    expect(fitted.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(fitted).toContain('Truncated: see the full report.');
    expect((fitted.match(/<details/g) ?? []).length).toBe((fitted.match(/<\/details>/g) ?? []).length);
    expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(fitted)).toBe(false);
  });
});

describe('serializeReport', () => {
  it('writes infinite metrics as null so the JSON stays valid', () => {
    const m = model();
    m.variants[0]!.outputs[0]!.psnrDb = Infinity;
    const parsed = JSON.parse(serializeReport(report([m])));
    expect(parsed.models[0].variants[0].outputs[0].psnrDb).toBeNull();
    expect(parsed.schemaVersion).toBe(1);
  });
});

describe('precision lines under the accuracy table', () => {
  const failing = (extra: Record<string, unknown>) =>
    model({ status: 'failed', variants: [{ ...model().variants[0]!, status: 'failed', ...extra }] });

  it('names the first divergence in one line with every model-given name escaped', () => {
    const md = renderReportMarkdown(report([failing({
      firstDivergence: {
        op: 'pow', onnxNode: 'evil`<img src=x>|node', outputName: '**y**\n## heading',
        error: { kind: 'overflow', relative: 0.001, count: 3, elements: 8 }, fp32Range: [0, 70000], variantRange: [0, '+inf'],
      },
    })]));
    const lines = md.split('\n').filter((l) => l.includes('first leaves fp32'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('overflow to ±inf in 3 of 8 values');
    expect(lines[0]).toContain('fp32 range [0, 70000], fp16 range [0, +inf]');
    // In a code span (fenced by more backticks than the name holds) HTML shows as text; a pipe cannot end a table cell.
    expect(lines[0]).toContain('(ONNX node ``evil`<img src=x>\\|node``, output `**y** ## heading`)');
    expect(md).not.toMatch(/^## heading/m);
  });

  it('says how many ops a mixed-precision variant keeps in fp32 and which', () => {
    const md = renderReportMarkdown(report([failing({ name: 'fp16-auto', status: 'passed', fp32Ops: { count: 2, budget: 32, ops: [{ op: 'pow', onnxNode: 'Pow_1', outputName: 'sq' }, { op: 'sqrt', onnxNode: null, outputName: 'std' }] } })]));
    expect(md).toContain('- **fp16\\-auto** keeps 2 ops in fp32 (budget 32): `pow` (`Pow_1`), `sqrt` (`std`)');
  });
});
