import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatOutput, writeOutputs } from '../../src/github/outputs.js';

describe('step outputs', () => {
  test('writes the heredoc form with a random delimiter per value', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'out-')), 'output');
    writeFileSync(file, '');
    await writeOutputs(file, { passed: 'true', models: '["a.onnx"]' });
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^passed<<(ghadelimiter_[0-9a-f-]+)\ntrue\n\1\nmodels<<(ghadelimiter_[0-9a-f-]+)\n\["a\.onnx"\]\n\2\n$/);
  });

  test('refuses a value that contains its delimiter, which would forge outputs', () => {
    expect(() => formatOutput('models', 'x\nEOF\npassed=true', 'EOF')).toThrow(/contains its own delimiter/);
  });

  test('a model path with a newline stays inside its output', () => {
    const text = formatOutput('models', '["a\\n.onnx"]\npassed<<X', 'D');
    expect(text).toBe('models<<D\n["a\\n.onnx"]\npassed<<X\nD\n');
  });
});
