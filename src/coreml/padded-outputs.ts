import type { ModelMetadata } from './model.js';

/**
 * Outputs whose row count is a bound, not a count: the valid rows come first,
 * then rows filled with a padding value (ONNX NonMaxSuppression's
 * selected_indices, whose length is only known at run time). The package
 * records them in its user-defined metadata, so that `verify` compares only
 * the valid rows of a package it reads back, and an app can read the layout.
 */

export interface RowPaddingRecord {
  /** Rows of the output. */
  rows: number;
  /** The value every element of a padding row holds. */
  padValue: number;
}

/** Core ML output name → how it is padded. */
export type PaddedOutputs = Record<string, RowPaddingRecord>;

export const PADDED_OUTPUTS_KEY = 'com.github.onnx-coreml-action.padded-outputs';

/** The metadata with the padded outputs recorded (unchanged when there are none). */
export function withPaddedOutputs(metadata: ModelMetadata, padded: PaddedOutputs): ModelMetadata {
  if (Object.keys(padded).length === 0) return metadata;
  return { ...metadata, userDefined: { ...metadata.userDefined, [PADDED_OUTPUTS_KEY]: JSON.stringify(padded) } };
}

/** The padded outputs a package records; none when it records none or the record is not this tool's. */
export function readPaddedOutputs(metadata: ModelMetadata): PaddedOutputs {
  const text = metadata.userDefined?.[PADDED_OUTPUTS_KEY];
  if (text === undefined) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return {};
    const out: PaddedOutputs = {};
    for (const [name, entry] of Object.entries(parsed as Record<string, unknown>)) {
      const { rows, padValue } = (entry ?? {}) as Partial<RowPaddingRecord>;
      if (Number.isInteger(rows) && typeof padValue === 'number') out[name] = { rows: rows!, padValue };
    }
    return out;
  } catch {
    return {};
  }
}
