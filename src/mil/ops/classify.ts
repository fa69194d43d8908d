import type { MilOpDef } from '../catalogue.js';
import { MilShapeError, requiredType } from './elementwise.js';

/**
 * MIL op definition: `classify`, the op whose presence makes an ML program a classifier
 * (iOS15 definition). `probabilities` is an fp32 tensor with one score per class;
 * `classes` is a constant list of strings or int64. The results are the predicted class
 * (a scalar of the class type) and a dictionary class → probability (fp64 values).
 * Their consumers are the model outputs only.
 */

/** The classify family's MIL op definitions. */
export const classifyOpDefs: readonly MilOpDef[] = [
  {
    name: 'classify',
    since: 'iOS15',
    inputs: { probabilities: { type: ['float32'] }, classes: { type: ['string', 'int64'], const: true } },
    outputs: (input) => {
      const probabilities = requiredType(input, 'probabilities');
      const classes = requiredType(input, 'classes');
      if (classes.collection?.kind !== 'list') throw new MilShapeError('classify.classes must be a list');
      const count = classes.shape[0] ?? null;
      const scores = probabilities.shape.every((d): d is number => d !== null) ? probabilities.shape.reduce((a, b) => a * b, 1) : null;
      if (count !== null && scores !== null && count !== scores) {
        throw new MilShapeError(`classify has ${count} classes for ${scores} probabilities`);
      }
      return [
        { dtype: classes.dtype, shape: [] },
        { dtype: 'float64', shape: [count], collection: { kind: 'dictionary', keyDType: classes.dtype } },
      ];
    },
  },
];
