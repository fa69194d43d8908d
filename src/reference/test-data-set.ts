import type { Tensor } from '../tensor/tensor.js';

/** A tensor with the name the test data gives it; '' when the file leaves it unnamed. */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** One set of model inputs with the outputs they should produce, in the model's input/output order. */
export interface TestDataSet {
  /** The folder or file name, for messages (e.g. "test_data_set_0"). */
  name: string;
  inputs: NamedTensor[];
  outputs: NamedTensor[];
}
