import { describe, expect, test } from 'vitest';
import { parseInputs } from '../../src/github/inputs.js';
import { inputsFromEnv } from '../helpers/action-inputs.js';

const env = (inputs: Record<string, string>) => inputsFromEnv(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])));

describe('parseInputs', () => {
  test('fills every input with the defaults action.yml declares', () => {
    const inputs = parseInputs(env({}));
    expect(inputs).toMatchObject({
      models: ['**/*.onnx'],
      format: 'mlprogram',
      target: 'iOS15',
      variants: ['fp32', 'fp16'],
      gates: { failOnUnsupported: true },
      comment: 'sticky',
      mode: 'pr',
      artifactName: 'coreml-report',
      timeoutMinutes: 10,
      requestTimeoutSeconds: 30,
      reportDir: 'coreml-report',
    });
  });

  test('reads hyphenated names from INPUT_ variables that keep the hyphen', () => {
    expect(parseInputs(inputsFromEnv({ 'INPUT_DEPLOYMENT-TARGET': ' iOS17 ' })).target).toBe('iOS17');
    expect(parseInputs(env({ 'deployment-target': 'ios17' })).target).toBe('iOS17');
  });

  test('takes the comment author as given, and detects it from the token when empty', () => {
    expect(parseInputs(env({})).commentAuthor).toBeUndefined();
    expect(parseInputs(env({ 'comment-author': ' coreml-app[bot] ' })).commentAuthor).toBe('coreml-app[bot]');
    expect(parseInputs(env({ 'comment-author': 'octo-cat' })).commentAuthor).toBe('octo-cat');
  });

  test('splits model globs on newlines and commas', () => {
    expect(parseInputs(env({ models: 'a/**/*.onnx\nb/*.onnx, c.onnx' })).models).toEqual(['a/**/*.onnx', 'b/*.onnx', 'c.onnx']);
  });

  test('parses the gates and leaves unset ones undefined', () => {
    const { gates } = parseInputs(env({ 'max-abs-error': '0.001', 'min-psnr': '35', 'fail-on-unsupported': 'false' }));
    expect(gates).toEqual({ maxAbsError: 0.001, minPsnr: 35, failOnUnsupported: false });
  });

  test('fails unverified models unless allow-unverified is true', () => {
    expect(parseInputs(env({})).gates.allowUnverified).toBeUndefined();
    expect(parseInputs(env({ 'allow-unverified': 'false' })).gates.allowUnverified).toBeUndefined();
    expect(parseInputs(env({ 'allow-unverified': 'true' })).gates.allowUnverified).toBe(true);
    expect(() => parseInputs(env({ 'allow-unverified': 'sometimes' }))).toThrow(/input `allow-unverified`/);
  });

  test.each([
    [{ format: 'neuralnetwork' }, /input `format`: neuralnetwork .* not implemented yet; use mlprogram/],
    [{ variants: 'fp32,int3' }, /input `variants`: unknown variant 'int3'; known variants: fp32, fp16/],
    [{ mode: 'deploy' }, /input `mode`: "deploy" is not one of pr, release, plan, aggregate/],
    [{ 'deployment-target': 'iOS14' }, /input `deployment-target`/],
    [{ 'max-abs-error': '-1' }, /input `max-abs-error`: "-1" is not a number ≥ 0/],
    [{ 'min-psnr': 'lots' }, /input `min-psnr`/],
    [{ 'fail-on-unsupported': 'maybe' }, /input `fail-on-unsupported`: "maybe" is not true or false/],
    [{ 'timeout-minutes': '0' }, /input `timeout-minutes`/],
    [{ comment: 'always' }, /input `comment`/],
    [{ 'comment-author': 'github actions' }, /input `comment-author`: "github actions" is not a GitHub login/],
  ])('rejects %o naming the input and what it accepts', (given, message) => {
    expect(() => parseInputs(env(given))).toThrow(message);
  });
});
