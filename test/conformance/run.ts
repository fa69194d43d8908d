/**
 * Runs the ONNX backend test cases (Debian package libonnx-testdata) through
 * convert → write → read → interpret → compare, and writes
 * docs/conformance.md and test/conformance/baseline.json.
 *
 *   npm run conformance                 # all suites
 *   npm run conformance -- --suite node # one suite
 *   npm run conformance -- --suite node --verbose --no-write  # print each failure, write nothing
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { listCases, runCase, SUITES, testDataRoot, type CaseResult, type Suite } from './cases.js';
import { renderConformanceMarkdown } from './markdown.js';

const { values } = parseArgs({ options: { suite: { type: 'string', multiple: true }, 'no-write': { type: 'boolean' }, verbose: { type: 'boolean' } } });
const suites = (values.suite ?? [...SUITES]) as Suite[];

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'onnx-conformance-'));
  const results: CaseResult[] = [];
  try {
    for (const suite of suites) {
      const cases = listCases(suite);
      if (cases.length === 0) throw new Error(`no test cases under ${join(testDataRoot(), suite)}: install libonnx-testdata`);
      let passed = 0;
      for (const [i, name] of cases.entries()) {
        const r = await runCase(suite, name, work);
        results.push(r);
        if (r.status === 'passed') passed++;
        else if (values.verbose) process.stderr.write(`${suite}/${name}: ${r.status} (${r.stage ?? '?'}) ${r.reason ?? ''}\n`);
        if (process.stderr.isTTY) process.stderr.write(`\r${suite}: ${i + 1}/${cases.length} (${passed} passed)   `);
      }
      process.stderr.write(`\r${suite}: ${passed} of ${cases.length} passed            \n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (values['no-write']) return;
  const root = process.cwd();
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'docs', 'conformance.md'), renderConformanceMarkdown(results));
  const baseline: Record<string, string[]> = {};
  for (const suite of suites) baseline[suite] = results.filter((r) => r.suite === suite && r.status === 'passed').map((r) => r.name);
  writeFileSync(join(root, 'test', 'conformance', 'baseline.json'), `${JSON.stringify(baseline, null, 1)}\n`);
  process.stderr.write('wrote docs/conformance.md and test/conformance/baseline.json\n');
}

await main();
