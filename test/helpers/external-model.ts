import { onnx } from '../../src/gen/onnx.js';

/** ModelProto bytes of y = x + w, x and y float32[4], whose initializer w lives in external data described by `externalData`. */
export function externalDataModelBytes(externalData: Record<string, string>): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 4 }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 4 }] } } } }],
      initializer: [
        {
          name: 'w',
          dataType: 1,
          dims: [4],
          dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
          externalData: Object.entries(externalData).map(([key, value]) => ({ key, value })),
        },
      ],
    },
  }).finish();
}
