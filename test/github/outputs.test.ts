import { beforeEach, describe, expect, test, vi } from 'vitest';
import { setActionOutputs } from '../../src/github/outputs.js';
import * as core from '../helpers/actions-core.js';

vi.mock('@actions/core', () => import('../helpers/actions-core.js'));

beforeEach(core.resetCoreMock);

describe('setActionOutputs', () => {
  test('sets each given output through @actions/core and skips absent ones', () => {
    setActionOutputs({ passed: 'true', models: '["a.onnx"]' });
    expect(core.setOutput.mock.calls).toEqual([
      ['passed', 'true'],
      ['models', '["a.onnx"]'],
    ]);
  });
});
