import type { InputSource } from '../../src/options/action.js';

/**
 * The action's inputs as a runner hands them over: INPUT_<NAME> variables
 * (uppercased, spaces as underscores, hyphens kept), trimmed, as
 * `@actions/core` getInput reads them in a real run.
 */
export function inputsFromEnv(env: Readonly<Record<string, string | undefined>>): InputSource {
  return (name) => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}
