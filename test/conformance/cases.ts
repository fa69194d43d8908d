import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoverageReport } from '../../src/convert/coverage.js';
import { convertOnnxModel } from '../../src/convert/index.js';
import { converterFor } from '../../src/convert/registry.js';
import { readMlPackage, writeMlPackage } from '../../src/coreml/package.js';
import { ConversionError, errorMessage } from '../../src/errors.js';
import type { OnnxModel } from '../../src/onnx/ir.js';
import { loadOnnxModel } from '../../src/onnx/load.js';
import { FP32_GATE } from '../../src/parity/gates.js';
import { evaluateOutput } from '../../src/parity/verdict.js';
import { readProtoTestDataSet } from '../../src/reference/test-data.js';
import { runModel } from '../../src/runtime/interpreter.js';
import { castTensor } from '../../src/reference/cast.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { CoreMLModel } from '../../src/coreml/model.js';
import { readPaddedOutputs } from '../../src/coreml/padded-outputs.js';
import { freezeInputs } from '../../src/onnx/passes/freeze.js';
import { evaluatePaddedOutput } from '../../src/verify/padded.js';

/**
 * One ONNX backend test case, end to end: load, check coverage, convert to an
 * fp32 ML program, write the .mlpackage and read it back, run it in the
 * reference interpreter on every test_data_set_N, compare with the expected
 * outputs under the fp32 gate.
 */

export const SUITES = ['node', 'pytorch-converted', 'pytorch-operator', 'simple'] as const;
export type Suite = (typeof SUITES)[number];

export type CaseStatus = 'passed' | 'failed' | 'unsupported' | 'error';
export type CaseStage = 'load' | 'coverage' | 'convert' | 'write' | 'read' | 'run' | 'compare';

export interface CaseResult {
  suite: Suite;
  name: string;
  status: CaseStatus;
  stage?: CaseStage;
  reason?: string;
  /** ai.onnx op types the model uses (for per-op tables). */
  ops: string[];
  /** MIL ops the conversion emitted for a node whose converter does not declare them, as "OnnxOp → mil_op". */
  undeclared: string[];
}

export const CONFORMANCE_TARGET = 'iOS18' as const;

export function testDataRoot(): string {
  return process.env['ONNX_TESTDATA'] ?? '/usr/share/libonnx-testdata/data';
}

export function listCases(suite: Suite): string[] {
  const dir = join(testDataRoot(), suite);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'model.onnx')))
    .map((e) => e.name)
    .sort();
}

class StageError extends Error {
  constructor(readonly stage: CaseStage, message: string) {
    super(message);
  }
}

async function stage<T>(name: CaseStage, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StageError) throw err;
    throw new StageError(name, errorMessage(err).split('\n')[0]!.slice(0, 300));
  }
}

export async function runCase(suite: Suite, name: string, workDir?: string): Promise<CaseResult> {
  const dir = join(testDataRoot(), suite, name);
  const result: CaseResult = { suite, name, status: 'error', ops: [], undeclared: [] };
  const tmp = workDir ?? mkdtempSync(join(tmpdir(), 'onnx-conformance-'));
  try {
    const model = await stage('load', () => loadOnnxModel(join(dir, 'model.onnx')));
    result.ops = [...new Set(model.graph.nodes.map((n) => (n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType)))].sort();
    const sets = readdirSync(dir).filter((d) => d.startsWith('test_data_set_')).sort();
    const { conversion, frozen } = await stage('coverage', () => convertFreezingAsAsked(model, sets.map((set) => join(dir, set))));
    if ('unsupported' in conversion) return { ...result, status: 'unsupported', stage: 'coverage', reason: conversion.unsupported };
    result.undeclared = undeclaredOps(conversion.coverage);
    const converted = conversion.model;
    const pkg = join(tmp, `${suite}-${name}.mlpackage`);
    await stage('write', () => writeMlPackage(converted, pkg));
    const coreml = await stage('read', () => readMlPackage(pkg));
    for (const set of sets) await compareDataSet(model, coreml, join(dir, set), frozen);
    return { ...result, status: 'passed' };
  } catch (err) {
    if (err instanceof StageError) {
      const status: CaseStatus = err.stage === 'compare' ? 'failed' : err.message.startsWith('unsupported') ? 'unsupported' : 'error';
      return { ...result, status, stage: err.stage, reason: err.message };
    }
    return { ...result, status: 'error', reason: errorMessage(err).slice(0, 300) };
  } finally {
    if (!workDir) rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The conversion, or the op types it refused (with the model inputs a refusal asks to
 * freeze): coverage comes from the conversion itself.
 */
function convertOrRefuse(model: OnnxModel): ReturnType<typeof convertOnnxModel> | { unsupported: string; freezable: string[] } {
  try {
    return convertOnnxModel(model, { target: CONFORMANCE_TARGET, precision: 'fp32' });
  } catch (err) {
    if (!(err instanceof ConversionError) || err.unsupported.length === 0) throw err;
    const inputs = new Set(model.graph.inputs.map((i) => i.name));
    const asked = err.unsupported.flatMap((u) => [...u.reason.matchAll(/--freeze (\S+?)=/g)].map((m) => m[1]!));
    // Each op once, with the reason its first refused node gives, so the table says why.
    const reasons = new Map<string, string>();
    for (const u of err.unsupported) if (!reasons.has(u.op)) reasons.set(u.op, u.reason);
    return {
      unsupported: `unsupported: ${[...reasons].sort(([a], [b]) => a.localeCompare(b)).map(([op, reason]) => (reason ? `${op} (${reason})` : op)).join('; ')}`,
      freezable: [...new Set(asked)].filter((name) => inputs.has(name)),
    };
  }
}

/**
 * The conversion as a user gets it: when the converter refuses a node until a model
 * input is frozen (its reason names `--freeze NAME=`), and every data set of the case
 * gives that input the same value, the model is converted again with it frozen to that
 * value, as `convert --freeze` would. The frozen inputs are left out of the package.
 */
async function convertFreezingAsAsked(model: OnnxModel, setDirs: readonly string[]): Promise<{ conversion: ReturnType<typeof convertOrRefuse>; frozen: ReadonlySet<string> }> {
  const first = convertOrRefuse(model);
  if (!('unsupported' in first) || first.freezable.length === 0) return { conversion: first, frozen: new Set() };
  const values = await sharedInputValues(model, setDirs, first.freezable);
  if (!values) return { conversion: first, frozen: new Set() };
  return { conversion: convertOrRefuse(freezeInputs(model, values)), frozen: new Set(Object.keys(values)) };
}

/** The values the data sets give the named inputs, when they all give the same ones. */
async function sharedInputValues(model: OnnxModel, setDirs: readonly string[], names: readonly string[]): Promise<Record<string, Tensor> | undefined> {
  const values: Record<string, Tensor> = {};
  for (const dir of setDirs) {
    const data = await readProtoTestDataSet(dir);
    for (const name of names) {
      const k = model.graph.inputs.findIndex((i) => i.name === name);
      const given = data.inputs.find((t) => t.name === name) ?? data.inputs[k];
      if (!given) return undefined;
      const seen = values[name];
      if (seen && !sameValues(seen, given.tensor)) return undefined;
      values[name] = given.tensor;
    }
  }
  return values;
}

function sameValues(a: Tensor, b: Tensor): boolean {
  return a.dtype === b.dtype && a.shape.join() === b.shape.join() && Array.from(a.data as ArrayLike<unknown>).every((v, i) => v === (b.data as ArrayLike<unknown>)[i]);
}

/** Emitted MIL ops missing from their converter's declared list (the list docs/ops.md shows). */
export function undeclaredOps(coverage: CoverageReport): string[] {
  return coverage.ops.flatMap((row) => {
    const declared = converterFor(row.op)?.milOps ?? [];
    return row.milOps.filter((m) => !declared.includes(m)).map((m) => `${row.op} → ${m}`);
  });
}

async function compareDataSet(model: OnnxModel, coreml: CoreMLModel, setDir: string, frozen: ReadonlySet<string>): Promise<void> {
  const read = await stage('run', () => readProtoTestDataSet(setDir));
  const kept = model.graph.inputs.map((i) => !frozen.has(i.name));
  const data = { ...read, inputs: read.inputs.filter((_, k) => kept[k] !== false) };
  const inputs: Record<string, Tensor> = {};
  const onnxInputs = model.graph.inputs.filter((i) => !frozen.has(i.name));
  const padded = readPaddedOutputs(coreml.metadata);
  if (data.inputs.length !== coreml.inputs.length) {
    throw new StageError('run', `test data has ${data.inputs.length} inputs, the package ${coreml.inputs.length}`);
  }
  coreml.inputs.forEach((desc, k) => {
    const given = data.inputs.find((t) => t.name !== '' && t.name === onnxInputs[k]?.name) ?? data.inputs[k]!;
    const tensor = asBfloat16Bits(given.tensor, onnxInputs[k]?.dtype);
    inputs[desc.name] = asDescribedShape(castTensor(tensor, desc.type.dtype, `input ${desc.name}`), desc.type.shape);
  });
  const outputs = await stage('run', () => runModel(coreml, inputs));
  coreml.outputs.forEach((desc, k) => {
    const expected = data.outputs[k];
    const actual = outputs[desc.name];
    if (!expected || !actual) throw new StageError('compare', `output ${k} (${desc.name}) missing`);
    const padding = padded[desc.name];
    const verdict = padding
      ? evaluatePaddedOutput(expected.tensor, actual, padding, FP32_GATE)
      : evaluateOutput(expected.tensor, asDescribedShape(actual, expected.tensor.shape), FP32_GATE);
    if (!verdict.pass) throw new StageError('compare', `${desc.name}: ${verdict.reason ?? 'mismatch'}`);
  });
}

/**
 * numpy has no bfloat16, so the ONNX test data stores a bfloat16 input's bits as uint16:
 * read them as the bfloat16 values the model takes.
 */
function asBfloat16Bits(t: Tensor, onnxDType: string | undefined): Tensor {
  return onnxDType === 'bfloat16' && t.dtype === 'uint16' ? { ...t, dtype: 'bfloat16' } : t;
}

/**
 * Core ML has no rank-0 features: a scalar input or output is described as
 * shape [1]. Test data holds true scalars, so a tensor whose element count
 * matches is viewed in the other shape; anything else is left for the checks.
 */
function asDescribedShape(t: Tensor, shape: readonly number[]): Tensor {
  const isScalarPair = (t.shape.length === 0 && shape.length === 1 && shape[0] === 1) || (shape.length === 0 && t.shape.length === 1 && t.shape[0] === 1);
  return isScalarPair ? { ...t, shape: [...shape] } : t;
}
