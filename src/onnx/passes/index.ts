export { freezeInputs } from './freeze.js';
export { inferShapesAndFold, type InferenceResult } from './infer.js';
export { topologicalOrder } from './topo.js';
export { inlineConstantIfs, inlineFunctions } from './inline.js';
export { prepareForConversion } from './prepare.js';
