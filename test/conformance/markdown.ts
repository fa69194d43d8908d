import { markdownTable } from 'markdown-table';
import type { CaseResult } from './cases.js';
import { SUITES, testDataRoot } from './cases.js';

/** The conformance page: totals per suite, then failing cases grouped by op. */
export function renderConformanceMarkdown(results: readonly CaseResult[]): string {
  const lines = [
    '# ONNX backend conformance',
    '',
    'Every case of the ONNX backend test data (Debian package `libonnx-testdata`) is converted to an fp32',
    'ML program, written as an .mlpackage, read back, run in the reference interpreter on each',
    '`test_data_set_N`, and compared with the expected outputs under the fp32 gate',
    '(|actual − expected| ≤ 1e-4 + 1e-3·|expected|). A case the converter refuses until a model',
    'input is frozen (its reason names `--freeze NAME=`) is converted again with that input frozen to',
    'the value its test data gives, as `convert --freeze` would, when all its data sets agree on it.',
    'Regenerate with `npm run conformance`.',
    '',
    '## Totals',
    '',
    markdownTable([
      ['Suite', 'Cases', 'Converted', 'Passed', 'Pass rate', 'Pass rate, inference ops only'],
      ...SUITES.filter((s) => results.some((r) => r.suite === s)).map((suite) => {
        const rs = results.filter((r) => r.suite === suite);
        const converted = rs.filter((r) => r.status === 'passed' || r.status === 'failed' || r.stage === 'run').length;
        const passed = rs.filter((r) => r.status === 'passed').length;
        const inference = rs.filter((r) => !r.ops.some(isTrainingOp));
        const inferencePassed = inference.filter((r) => r.status === 'passed').length;
        return [suite, String(rs.length), String(converted), String(passed), percent(passed, rs.length), `${percent(inferencePassed, inference.length)} (${inferencePassed} of ${inference.length})`];
      }),
    ], { align: ['l', 'r', 'r', 'r', 'r', 'r'] }),
    '',
    '"Inference ops only" leaves out the cases that use training operators (domain',
    '`ai.onnx.preview.training`: Adam, Adagrad, Momentum, Gradient), which have no inference meaning.',
    '',
    '## Cases that do not pass, by op',
    '',
  ];
  const byOp = new Map<string, CaseResult[]>();
  for (const r of results) {
    if (r.status === 'passed') continue;
    const key = r.ops.length === 1 ? r.ops[0]! : r.ops.length === 0 ? '(model not loaded)' : guessOp(r);
    byOp.set(key, [...(byOp.get(key) ?? []), r]);
  }
  for (const [op, rs] of [...byOp.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const rows = rs.map((r) => [r.suite, r.name, `${r.status}${r.stage ? ` (${r.stage})` : ''}`, cell(r.reason ?? '')]);
    const why = WHY_NOT_PASSING[op];
    lines.push(`### ${op}`, '', ...(why ? [`Why: ${why}`, ''] : []), markdownTable([['Suite', 'Case', 'Status', 'Reason'], ...rows], { alignDelimiters: false }), '');
  }
  return `${lines.join('\n')}\n`;
}

/** Why an op's remaining cases do not pass, where the cases' own reasons do not say it. */
const WHY_NOT_PASSING: Readonly<Record<string, string>> = {
  Bernoulli: 'random draws: Core ML cannot reproduce the reference\'s generator, so no value could be checked.',
  RandomUniformLike: 'random draws (Bernoulli\'s expanded form): no reproducible values to check.',
  Unique: 'the output length depends on the input values; Core ML programs here need output shapes known before running.',
  MelWeightMatrix: 'its output shape is set by input values (bin counts), which the cases give at run time.',
  StringNormalizer: 'string tensors: Core ML ML programs take and return numeric tensors only.',
  Cast: 'Core ML has no string or bfloat16 tensors; a cast to bfloat16 would have to round to its 8-bit significand.',
  CastLike: 'as Cast; the cases whose "like" input the test data gives as shape [1], where the model declares [3, 4], are refused by the input shape check.',
  MaxUnpool: 'with output_shape, the case expects each index placed in the default-size output, then padded; onnxruntime and PyTorch read the indices in the output_shape layout, which the converter follows.',
  'ai.onnx.preview.training.Adagrad': 'training optimizer, no inference meaning.',
  'ai.onnx.preview.training.Adam': 'training optimizer, no inference meaning.',
  'ai.onnx.preview.training.Momentum': 'training optimizer, no inference meaning.',
  'ai.onnx.preview.training.Gradient': 'training operator, no inference meaning.',
};

function isTrainingOp(op: string): boolean {
  return op.startsWith('ai.onnx.preview.training.');
}

function percent(n: number, of: number): string {
  return of === 0 ? '—' : `${((n / of) * 100).toFixed(1)}%`;
}

/** For multi-op cases, the op named by the failure (or the case name), else the first op. */
function guessOp(r: CaseResult): string {
  const named = r.ops.find((op) => r.reason?.includes(op));
  if (named) return named;
  const fromName = r.ops.find((op) => r.name.toLowerCase().includes(op.toLowerCase()));
  return fromName ?? r.ops.join(' + ');
}

/** A reason as a table cell: file paths shown relative to the test-data folder. */
function cell(s: string): string {
  return s.split(`${testDataRoot()}/`).join('').replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 200);
}
