import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { INPUT_DEFAULTS } from '../../src/github/inputs.js';

/**
 * action.yml, the defaults the code falls back to, and the README table must
 * agree; a default changed in one place only would make the action behave
 * differently from its documentation.
 */

const root = join(import.meta.dirname, '..', '..');
const actionYml = readFileSync(join(root, 'action.yml'), 'utf8');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The inputs block of action.yml as name → default (no YAML library needed for this flat layout). */
function declaredInputs(): Map<string, string> {
  const block = actionYml.slice(actionYml.indexOf('\ninputs:'), actionYml.indexOf('\noutputs:'));
  const inputs = new Map<string, string>();
  let current: string | undefined;
  for (const line of block.split('\n')) {
    const name = /^ {2}([a-z-]+):$/.exec(line);
    if (name) current = name[1]!;
    const value = /^ {4}default: (.*)$/.exec(line);
    if (value && current) inputs.set(current, value[1]!.replace(/^'(.*)'$/, '$1'));
  }
  return inputs;
}

describe('action metadata', () => {
  test('runs the committed bundle on node24', () => {
    expect(actionYml).toMatch(/runs:\n {2}using: node24\n {2}main: dist\/index\.js/);
  });

  test('declares every default the code falls back to, with the same value', () => {
    const declared = declaredInputs();
    for (const [name, value] of Object.entries(INPUT_DEFAULTS)) expect([name, declared.get(name)]).toEqual([name, value]);
  });

  test('documents every input and output in the README', () => {
    for (const name of declaredInputs().keys()) expect(readme).toContain(`| \`${name}\` |`);
    for (const output of ['report', 'passed', 'models']) expect(readme).toContain(`| \`${output}\` |`);
  });

  test('defaults the token to the workflow token', () => {
    expect(declaredInputs().get('token')).toBe('${{ github.token }}');
  });

  test("the repository's own workflows give `uses: ./` only inputs action.yml declares, and CI runs .ci/run", () => {
    const workflows = join(root, '.github', 'workflows');
    const testAction = readFileSync(join(workflows, 'test-action.yml'), 'utf8');
    const steps = testAction.split(/\n {6}- /).filter((step) => /\n\s*uses: \.\/\n/.test(`\n${step}\n`));
    expect(steps.length).toBeGreaterThan(0);
    const declared = declaredInputs();
    for (const step of steps) {
      const given = [...step.slice(step.indexOf('with:')).matchAll(/^ {10}([a-z-]+):/gm)].map((m) => m[1]!);
      expect(given.length).toBeGreaterThan(0);
      for (const name of given) expect([name, declared.has(name)]).toEqual([name, true]);
    }
    expect(testAction).toMatch(/os: \[ubuntu-latest, macos-latest, windows-latest\]/);
    expect(readFileSync(join(workflows, 'ci.yml'), 'utf8')).toMatch(/\n {8}run: \.ci\/run\n/);
  });
});
