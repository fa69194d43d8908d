import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@actions/core';
import { afterEach, describe, expect, test } from 'vitest';
import { parseCommandLine } from '../../src/cli/args.js';
import { parseReportArgs, REPORT_HELP, REPORT_OPTION_KEYS } from '../../src/cli/report-command.js';
import { CONVERT_HELP, CONVERT_OPTION_KEYS, VERIFY_HELP, VERIFY_OPTION_KEYS } from '../../src/cli/usage.js';
import { parseInputs } from '../../src/github/inputs.js';
import { inputsFromEnv } from '../helpers/action-inputs.js';
import { withGeneratedActionInputs, withGeneratedReadmeInputs } from '../../src/options/action.js';
import { OPTIONS, type OptionKey } from '../../src/options/definitions.js';
import type { OptionSpec } from '../../src/options/spec.js';

/**
 * The option table is the one source of every option: action.yml and the
 * README are generated from it (`npm run docs:options`), and an option the CLI
 * and the action share is read by the same rule on both sides.
 */

const root = join(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

describe('generated documentation', () => {
  test("action.yml's inputs, descriptions and defaults are the option table's (npm run docs:options)", () => {
    const actionYml = read('action.yml');
    expect(withGeneratedActionInputs(actionYml)).toBe(actionYml);
  });

  test("the README's input table is the option table's (npm run docs:options)", () => {
    const readme = read('README.md');
    expect(withGeneratedReadmeInputs(readme)).toBe(readme);
  });

  test.each([
    ['convert', CONVERT_HELP, CONVERT_OPTION_KEYS],
    ['verify', VERIFY_HELP, VERIFY_OPTION_KEYS],
    ['report', REPORT_HELP, REPORT_OPTION_KEYS],
  ] as const)('the help of %s lists every option it accepts', (_command, help, keys) => {
    for (const key of keys as readonly OptionKey[]) expect(help).toContain(`--${(OPTIONS[key] as OptionSpec<unknown>).flag}`);
  });
});

/** The action's reading of one input, or the error it throws. */
function fromAction(input: string, raw: string): unknown {
  try {
    return { value: parseInputs(inputsFromEnv({ [`INPUT_${input.toUpperCase()}`]: raw })) };
  } catch (err) {
    return { rejected: (err as Error).message.includes(`input \`${input}\``) };
  }
}

/** The CLI's reading of the same option on `report`, or the error it throws. */
function fromCli(flag: string, raw: string): unknown {
  try {
    return { value: parseReportArgs(['m.onnx', '--out', 'o', '--base-ref', 'HEAD', `--${flag}=${raw}`]) };
  } catch (err) {
    return { rejected: (err as Error).message.includes(`--${flag}`) };
  }
}

const SAMPLES: Readonly<Record<string, readonly string[]>> = {
  maxAbsError: ['0', '1e-3', '-1', 'abc', 'Infinity'],
  minPsnr: ['35', '-3', 'lots'],
  maxSizeIncrease: ['5', '0', '-5', 'ten'],
  failOnUnsupported: ['true', 'True', 'FALSE', 'yes', 'no', '1', 'on', 'maybe'],
  target: ['iOS17', 'ios16', 'iOS14'],
  variants: ['fp16', 'fp32,int8', 'fp32\nint8', 'fp32,int3', ','],
  config: ['onnx-coreml.yml', 'ci/settings.yml'],
  jobs: ['1', '4', '0', '2.5', 'many'],
  memoryBudget: ['1000', '0.5', '0', '-1', 'lots'],
};

describe('one rule per option', () => {
  // A bare switch (`--allow-unverified`) takes no text on the command line; its input is read below.
  const shared = (Object.keys(OPTIONS) as OptionKey[]).filter((k) => {
    const s: OptionSpec<unknown> = OPTIONS[k];
    return s.flag !== undefined && s.input !== undefined && s.type === 'string';
  });

  test('every option both sides have is sampled here', () => {
    expect([...shared].sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  test.each(shared)('%s: the CLI and the action accept and refuse the same values, and read them alike', (key) => {
    const s: OptionSpec<unknown> = OPTIONS[key];
    for (const raw of SAMPLES[key]!) {
      const action = fromAction(s.input!, raw) as { value?: Record<string, unknown>; rejected?: boolean };
      const cli = fromCli(s.flag!, raw) as { value?: Record<string, unknown>; rejected?: boolean };
      expect({ raw, rejected: cli.rejected }).toEqual({ raw, rejected: action.rejected });
      if (action.value && cli.value) {
        expect({ raw, cli: [cli.value['target'], cli.value['variants'], cli.value['gates']] }).toEqual({
          raw,
          cli: [action.value['target'], action.value['variants'], action.value['gates']],
        });
      }
    }
  });

  test('allowUnverified: the bare CLI switch and the input set the same gate; the input reads booleans by the same rule', () => {
    const cli = parseReportArgs(['m.onnx', '--out', 'o', '--allow-unverified']);
    expect(cli !== 'help' && cli.gates.allowUnverified).toBe(true);
    expect(parseInputs(inputsFromEnv({ 'INPUT_ALLOW-UNVERIFIED': 'true' })).gates.allowUnverified).toBe(true);
    for (const raw of SAMPLES['failOnUnsupported']!) {
      const read = (name: string) => {
        try {
          return Boolean(parseInputs(inputsFromEnv({ [`INPUT_${name}`]: raw })).gates[name === 'ALLOW-UNVERIFIED' ? 'allowUnverified' : 'failOnUnsupported']);
        } catch {
          return 'rejected';
        }
      };
      expect({ raw, read: read('ALLOW-UNVERIFIED') }).toEqual({ raw, read: read('FAIL-ON-UNSUPPORTED') });
    }
  });

  test('convert reads --target by the same rule as report', () => {
    expect(parseCommandLine(['convert', 'm.onnx', '--target', 'ios16'])).toMatchObject({ target: 'iOS16' });
    expect(() => parseCommandLine(['convert', 'm.onnx', '--target', 'iOS14'])).toThrow(/--target must be one of iOS15/);
  });
});

describe('booleans', () => {
  const name = 'fail-on-unsupported';
  const variable = `INPUT_${name.toUpperCase()}`;
  afterEach(() => {
    delete process.env[variable];
  });

  test.each(SAMPLES['failOnUnsupported']!)('%s reads as @actions/core getBooleanInput reads it', (raw) => {
    process.env[variable] = raw;
    let expected: boolean | 'rejected';
    try {
      expected = core.getBooleanInput(name);
    } catch {
      expected = 'rejected';
    }
    let actual: boolean | 'rejected';
    try {
      actual = parseInputs(inputsFromEnv({ [variable]: raw })).gates.failOnUnsupported;
    } catch {
      actual = 'rejected';
    }
    expect(actual).toBe(expected);
  });
});
