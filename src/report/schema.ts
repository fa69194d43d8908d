/**
 * The JSON report: one RunReport per run, one ModelResult per model. Users
 * script against these fields (the action's `report` output points at this
 * file), so they only ever grow; `schemaVersion` changes on any breaking edit.
 */

import type { InterfaceSummary } from '../interface/describe.js';
import { capJsonStrings } from './escape.js';
import type { FirstDivergence } from '../verify/divergence.js';

export const REPORT_SCHEMA_VERSION = 1;

/** Which engine produced the Core ML numbers. */
export type Engine = 'reference interpreter' | 'Core ML';

export interface OutputResult {
  name: string;
  shape: number[];
  dtype: string;
  maxAbsError: number | null;
  maxRelError: number | null;
  meanAbsError: number | null;
  /** dB values: null when infinite (identical outputs); see `exact`. */
  snrDb: number | null;
  psnrDb: number | null;
  cosine: number | null;
  top1Agreement: number | null;
  /** True when every element equals the reference. */
  exact: boolean;
  pass: boolean;
  reason?: string;
  /** A detector's outputs: detections compared as sets (same class, IoU ≥ 0.9) and the gate applied. */
  detection?: DetectionResult;
}

export interface DetectionResult {
  precision: number;
  recall: number;
  referenceCount: number;
  packageCount: number;
  matched: number;
  /** Largest coordinate and confidence error over matched pairs. */
  maxBoxError: number;
  maxScoreError: number;
  minPrecision: number;
  minRecall: number;
}

/** An op of an fp16 program that computes in fp32. */
export interface Fp32Op {
  /** MIL op type. */
  op: string;
  /** The ONNX node it was made for; null when the program does not record it (a package read back). */
  onnxNode: string | null;
  /** Its (first) output, as the fp32 program names it. */
  outputName: string;
}

/** The ops a mixed-precision program keeps in fp32 (`--precision auto`, variant fp16-auto). */
export interface Fp32OpsSummary {
  count: number;
  ops: Fp32Op[];
  /** The most ops the search could keep; absent when the program was not searched (a package read back). */
  budget?: number;
  /** Why the search stopped short of the gate, when it did. */
  stoppedBecause?: string;
}

/**
 * Where a failing fp16 or compressed variant first leaves the fp32 program
 * (see verify/divergence.ts for `error` and the ranges).
 */
export type { FirstDivergence } from '../verify/divergence.js';

export type VariantStatus = 'passed' | 'failed' | 'unverified' | 'error';

export interface VariantResult {
  /** Variant name from the variant table (fp32, fp16, int8, palettize4, ...). */
  name: string;
  target: string;
  status: VariantStatus;
  /** Size of the .mlpackage on disk, in bytes. */
  sizeBytes: number | null;
  /** Path of the package relative to the output folder. */
  package: string | null;
  gate: string;
  outputs: OutputResult[];
  warnings: string[];
  error?: { code: string; message: string };
  /** A failing fp16 or compressed variant: the first op where it leaves the fp32 program; null when none stands out. */
  firstDivergence?: FirstDivergence | null;
  /** A mixed-precision variant (fp16-auto): the ops it keeps in fp32. */
  fp32Ops?: Fp32OpsSummary;
}

/** One ONNX op type of a model, as its conversion went. */
export interface CoverageRow {
  op: string;
  /** Nodes of this type, If/Loop/Scan bodies included. */
  count: number;
  /** Nodes computed at conversion time (folded to constants, or in an untaken branch). */
  folded: number;
  /** Nodes the conversion refused; their reasons are in ModelResult.unsupported. */
  failed: number;
  /** Nodes not converted because an input came from a refused node. */
  skipped: number;
  /** Core ML ops the nodes actually became, most used first. */
  milOps: string[];
  /** How many of each of those ops. */
  emitted: Record<string, number>;
  supported: boolean;
}

/** 'unverified': converted, but no reference outputs could be had, so nothing was checked. */
export type ModelStatus = 'passed' | 'failed' | 'unverified' | 'unsupported' | 'error';

export interface ModelResult {
  /** Path of the ONNX file relative to the repository. */
  path: string;
  status: ModelStatus;
  onnxBytes: number | null;
  /** Where the reference outputs came from. */
  reference: 'test data' | 'onnxruntime' | 'none';
  /** The onnxruntime build that computed them when `reference` is 'onnxruntime' ("onnxruntime-web 1.30.0 (wasm)"). */
  referenceEngine?: string;
  /** Why the model is 'unverified' and how to fix it, in one line. */
  unverifiedReason?: string;
  coverage: CoverageRow[];
  unsupported: { op: string; node: string; reason: string }[];
  variants: VariantResult[];
  warnings: string[];
  seconds: number;
  error?: { code: string; message: string };
  /** The same model on the base branch; null when the model is new there, undefined when not compared. */
  base?: BaseResult | null;
  /** What an app sees of the converted package (inputs, outputs, classifier, metadata); absent when nothing was built. */
  interface?: InterfaceSummary;
}

export interface BaseResult {
  onnxBytes: number | null;
  status: ModelStatus;
  variants: { name: string; sizeBytes: number | null; outputs: { name: string; maxAbsError: number | null; psnrDb: number | null; top1Agreement: number | null }[] }[];
}

export interface GateSettings {
  maxAbsError?: number;
  minPsnr?: number;
  maxSizeIncrease?: number;
  failOnUnsupported: boolean;
  /** When true, a model that could not be verified (no reference outputs) does not fail the run. */
  allowUnverified?: boolean;
}

export interface RunReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: 'onnx-coreml-action'; version: string };
  engine: Engine;
  variants: string[];
  models: ModelResult[];
  gates: GateSettings;
  /** One line per failed gate; empty when everything passed. */
  failures: string[];
  passed: boolean;
  /** Notes about the run as a whole (fallbacks, skipped files). */
  notes: string[];
  /** The commit the models were compared with (the base ref, resolved); absent without a comparison. */
  baseCommit?: string;
}

/** JSON.stringify replacer: non-finite numbers have no JSON form, so they become null. */
export function finiteOrNull(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/**
 * Names and messages come from models in pull requests; a multi-megabyte tensor name
 * quoted by an error must not make the report (an artifact other jobs download and
 * post) megabytes long, so every string and key is capped (capJsonStrings).
 */
export function serializeReport(report: RunReport): string {
  return `${JSON.stringify(capJsonStrings(report), finiteOrNull, 2)}\n`;
}
