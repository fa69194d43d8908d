import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import { parseSettings } from '../../src/options/settings-file.js';
import { renderReportMarkdown } from '../../src/report/markdown.js';
import { runModels } from '../../src/run/index.js';
import { makeTempDir } from '../cli/fixtures.js';
import { detectorTail } from '../helpers/nms-model.js';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => tmp.remove());

describe('report on a model with ONNX NonMaxSuppression', () => {
  it('converts it with the settings file’s max-detections, verifies the valid rows and says in the comment that the output is padded', async () => {
    writeFileSync(join(tmp.dir, 'tail.onnx'), encodeOnnxModel(detectorTail({ runTime: ['max'] })));
    const run = (settings: string) =>
      runModels({
        models: ['tail.onnx'],
        outDir: 'out',
        variants: ['fp32', 'fp16'],
        target: 'iOS15',
        gates: { failOnUnsupported: true },
        cwd: tmp.dir,
        settings: parseSettings(settings, 'onnx-coreml.yml'),
      });
    const refused = (await run('models:\n  - match: other.onnx\n    max-detections: 1\n')).models[0]!;
    expect(refused.status).toBe('unsupported');
    expect(refused.unsupported[0]!.reason).toContain('give --max-detections K');

    const report = await run('models:\n  - match: tail.onnx\n    max-detections: 36\n');
    const model = report.models[0]!;
    expect([model.status, model.error, model.unsupported]).toEqual(['passed', undefined, []]);
    expect(model.variants.map((v) => [v.name, v.status, v.outputs[0]!.reason])).toEqual([
      ['fp32', 'passed', undefined],
      ['fp16', 'passed', undefined],
    ]);
    expect(model.interface?.outputs[0]).toMatchObject({ name: 'selected', description: 'padded to 36 rows: the valid rows first, then rows of -1' });
    // The comment's interface table gives the output's layout (markdown escapes the minus sign).
    expect(renderReportMarkdown(report)).toMatch(/`selected` +\| `int32 \[36, 3\]` +\| padded to 36 rows: the valid rows first, then rows of \\-1/);
  });
});
