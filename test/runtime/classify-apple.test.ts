import { describe, expect, it } from 'vitest';
import type { MilProgram } from '../../src/mil/ir.js';
import { validateProgram } from '../../src/mil/validate.js';
import { runProgram } from '../../src/runtime/interpreter.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { f32, op, program, v, values } from './build.js';

/**
 * classify as Apple's classifier conversion tests run it on Core ML (no MIL op
 * test covers classify): frontend/torch/test/test_torch_conversion_api.py
 * converts relu with the class labels ['a', 'b', 'c'] and predicts 'c' for the
 * input [1, 2, 3], unnormalized scores included; test_torch_classifier labels
 * ten scores 0…9 as int64 or strings and checks the label's type. The label is
 * the class of the largest score; the dictionary holds one value per class.
 */

/** relu(x) → classify(probabilities, classes), typed as a classifier program declares it. */
function reluClassifier(classes: Tensor): MilProgram {
  const n = classes.shape[0]!;
  return program([v('x', 'float32', [n])], [
    op('relu', { x: 'x' }, [v('scores', 'float32', [n])]),
    op('const', {}, [{ name: 'classes', type: { dtype: classes.dtype, shape: [n], collection: { kind: 'list' } } }], { val: classes }),
    op('classify', { probabilities: 'scores', classes: 'classes' }, [
      v('label', classes.dtype, []),
      { name: 'label_probs', type: { dtype: 'float64', shape: [n], collection: { kind: 'dictionary', keyDType: classes.dtype } } },
    ]),
  ], ['label', 'label_probs'], 'CoreML5');
}

const argmax = (xs: readonly number[]) => xs.reduce((best, x, i) => (x > xs[best]! ? i : best), 0);
const relu = (xs: readonly number[]) => xs.map((x) => Math.max(x, 0));

describe('classify as Apple\'s classifier conversion tests pin it', () => {
  it('labels relu([1, 2, 3]) as c, and any input by the class of its largest score', () => {
    const letters = ['a', 'b', 'c'];
    const prog = reluClassifier(makeTensor('string', [3], letters));
    expect(validateProgram(prog)).toEqual([]);
    for (const x of [[1, 2, 3], [3, -1, 2], [-4, 0.5, -2], [0.25, 7, 6.5]]) {
      const out = runProgram(prog, { x: f32([3], x) });
      expect(out['label']!.data).toEqual([letters[argmax(relu(x))]]);
      expect(values(out['label_probs']!)).toEqual(relu(x));
    }
  });

  it('ten int64 classes 0…9 give an integer label, the index of the largest score', () => {
    // Inside the program integers are held as int32; the model description's int64 label type is applied by runModel.
    const prog = reluClassifier(makeTensor('int64', [10], BigInt64Array.from({ length: 10 }, (_, i) => BigInt(i))));
    expect(validateProgram(prog)).toEqual([]);
    for (const x of [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [5, -1, 0, 9.5, 2, 9, 1, 0, 3, 4]]) {
      const out = runProgram(prog, { x: f32([10], x) });
      expect(Array.from(out['label']!.data as ArrayLike<number | bigint>, Number)).toEqual([argmax(relu(x))]);
    }
  });
});
