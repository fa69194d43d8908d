import { MilBuilder } from '../../../src/mil/builder.js';
import type { DeploymentTarget, MilOperation, MilProgram } from '../../../src/mil/ir.js';
import { mainFunction, walkOperations } from '../../../src/mil/ir.js';

/** Builds a one-function program with the builder; `body` returns the output names. */
export function buildProgram(target: DeploymentTarget, body: (b: MilBuilder) => string[]): MilProgram {
  const b = new MilBuilder(target);
  const outputs = body(b);
  return { functions: { main: b.finish(outputs) } };
}

export function opsOf(program: MilProgram): MilOperation[] {
  return [...walkOperations(mainFunction(program).block)];
}

export function opTypes(program: MilProgram): string[] {
  return opsOf(program).map((o) => o.type);
}
