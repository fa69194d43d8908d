import { REPORT_SCHEMA_VERSION, type RunReport } from '../report/schema.js';
import { ActionError } from './errors.js';

/**
 * Checks a report.json read from an artifact before anything uses it. In the
 * fork-safe setup the artifact was produced by pull-request code, so it is
 * attacker-controlled: wrong shapes are rejected here, and every string in it
 * is escaped again when the comment is rendered.
 */

/** Largest report.json accepted (bytes). */
export const MAX_REPORT_BYTES = 20 * 1024 * 1024;

const MODEL_STATUSES = new Set(['passed', 'failed', 'unverified', 'unsupported', 'error']);
const VARIANT_STATUSES = new Set(['passed', 'failed', 'unverified', 'error']);
const ENGINES = new Set(['reference interpreter', 'Core ML']);

type Check = (value: unknown, where: string) => void;

function fail(where: string, what: string): never {
  throw new ActionError('REPORT', `${where}: ${what}`);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const string: Check = (v, w) => (typeof v === 'string' ? undefined : fail(w, 'expected a string'));
const optionalString: Check = (v, w) => (v === undefined || typeof v === 'string' ? undefined : fail(w, 'expected a string'));
const boolean: Check = (v, w) => (typeof v === 'boolean' ? undefined : fail(w, 'expected true or false'));
const numberOrNull: Check = (v, w) => (v === null || typeof v === 'number' ? undefined : fail(w, 'expected a number or null'));
const oneOf = (allowed: Set<string>): Check => (v, w) => (typeof v === 'string' && allowed.has(v) ? undefined : fail(w, `expected one of ${[...allowed].join(', ')}`));
const arrayOf = (item: Check): Check => (v, w) => (Array.isArray(v) ? v.forEach((x, i) => item(x, `${w}[${i}]`)) : fail(w, 'expected an array'));
const object = (fields: Record<string, Check>): Check => (v, w) => {
  if (!isObj(v)) fail(w, 'expected an object');
  for (const [key, check] of Object.entries(fields)) check(v[key], `${w}.${key}`);
};

const optional = (check: Check): Check => (v, w) => (v === undefined ? undefined : check(v, w));
const stringMap: Check = (v, w) => (isObj(v) ? Object.entries(v).forEach(([k, x]) => string(x, `${w}.${k}`)) : fail(w, 'expected an object'));
const featureCheck = object({ name: string, kind: string, type: string, normalization: optional(string), description: optional(string) });
const interfaceCheck = object({
  inputs: arrayOf(featureCheck),
  outputs: arrayOf(featureCheck),
  classifier: optional(object({ labels: numberOrNull, labelOutput: string, probabilitiesOutput: string })),
  metadata: stringMap,
  userDefined: stringMap,
});

const number: Check = (v, w) => (typeof v === 'number' ? undefined : fail(w, 'expected a number'));
const stringOrNull: Check = (v, w) => (v === null || typeof v === 'string' ? undefined : fail(w, 'expected a string or null'));
const rangeEnd: Check = (v, w) => (typeof v === 'number' || (typeof v === 'string' && RANGE_WORDS.has(v)) ? undefined : fail(w, 'expected a number, +inf, -inf or nan'));
const RANGE_WORDS = new Set(['+inf', '-inf', 'nan']);
const range: Check = (v, w) => (Array.isArray(v) && v.length === 2 ? v.forEach((x, i) => rangeEnd(x, `${w}[${i}]`)) : fail(w, 'expected [min, max]'));
const nullable = (check: Check): Check => (v, w) => (v === null ? undefined : check(v, w));
const fp32OpCheck = object({ op: string, onnxNode: stringOrNull, outputName: string });
const divergenceCheck = object({
  op: string,
  onnxNode: stringOrNull,
  outputName: string,
  error: object({ kind: oneOf(new Set(['overflow', 'nan', 'underflow', 'relative'])), relative: numberOrNull, count: number, elements: number }),
  fp32Range: range,
  variantRange: range,
});

const variantCheck = object({
  name: string,
  status: oneOf(VARIANT_STATUSES),
  sizeBytes: numberOrNull,
  outputs: arrayOf(object({ name: string, pass: boolean })),
  warnings: arrayOf(string),
  firstDivergence: optional(nullable(divergenceCheck)),
  fp32Ops: optional(object({ count: number, ops: arrayOf(fp32OpCheck), budget: optional(number), stoppedBecause: optionalString })),
});

const modelCheck = object({
  path: string,
  status: oneOf(MODEL_STATUSES),
  onnxBytes: numberOrNull,
  coverage: arrayOf(object({ op: string, supported: boolean })),
  unsupported: arrayOf(object({ op: string, node: string, reason: string })),
  variants: arrayOf(variantCheck),
  warnings: arrayOf(string),
  interface: optional(interfaceCheck),
  referenceEngine: optionalString,
  unverifiedReason: optionalString,
});

const reportCheck = object({
  tool: object({ name: string, version: string }),
  engine: oneOf(ENGINES),
  variants: arrayOf(string),
  models: arrayOf(modelCheck),
  failures: arrayOf(string),
  passed: boolean,
  notes: arrayOf(string),
  gates: object({ failOnUnsupported: boolean }),
});

export function parseRunReport(text: string, source: string): RunReport {
  if (Buffer.byteLength(text, 'utf8') > MAX_REPORT_BYTES) fail(source, `larger than ${MAX_REPORT_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    fail(source, `not JSON (${(err as Error).message})`);
  }
  if (!isObj(parsed) || parsed.schemaVersion !== REPORT_SCHEMA_VERSION) fail(source, `not a version ${REPORT_SCHEMA_VERSION} report`);
  reportCheck(parsed, source);
  return parsed as unknown as RunReport;
}
