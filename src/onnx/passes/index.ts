export { freezeInputs } from './freeze.js';
export { inferShapesAndFold, type InferenceResult } from './infer.js';
export { topologicalOrder } from './topo.js';
