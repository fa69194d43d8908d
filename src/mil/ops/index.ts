import type { MilOpDef } from '../catalogue.js';
import { activationOpDefs } from './activation.js';
import { attentionOpDefs } from './attention.js';
import { constexprOpDefs } from './constexpr.js';
import { controlOpDefs } from './control.js';
import { convOpDefs } from './conv.js';
import { einsumOpDefs } from './einsum.js';
import { elementwiseOpDefs } from './elementwise.js';
import { linearOpDefs } from './linear.js';
import { listOpDefs } from './list.js';
import { miscOpDefs } from './misc.js';
import { normOpDefs } from './norm.js';
import { padOpDefs } from './pad.js';
import { poolOpDefs } from './pool.js';
import { randomOpDefs } from './random.js';
import { rearrangeOpDefs } from './rearrange.js';
import { recurrentOpDefs } from './recurrent.js';
import { reduceOpDefs } from './reduce.js';
import { resampleOpDefs } from './resample.js';
import { scatterGatherOpDefs } from './scatter-gather.js';
import { shapeOpDefs } from './shape.js';
import { spaceOpDefs } from './space.js';
import { visionOpDefs } from './vision.js';
import { classifyOpDefs } from './classify.js';

/**
 * Every MIL op definition this project knows, by family: mil/ops/<family>.ts,
 * named like the interpreter's kernel files. The catalogue is built from this
 * list; nothing registers itself by being imported.
 */
export const MIL_OP_FAMILIES: Readonly<Record<string, readonly MilOpDef[]>> = {
  activation: activationOpDefs,
  attention: attentionOpDefs,
  constexpr: constexprOpDefs,
  control: controlOpDefs,
  conv: convOpDefs,
  einsum: einsumOpDefs,
  elementwise: elementwiseOpDefs,
  linear: linearOpDefs,
  list: listOpDefs,
  misc: miscOpDefs,
  norm: normOpDefs,
  pad: padOpDefs,
  pool: poolOpDefs,
  random: randomOpDefs,
  rearrange: rearrangeOpDefs,
  recurrent: recurrentOpDefs,
  reduce: reduceOpDefs,
  resample: resampleOpDefs,
  'scatter-gather': scatterGatherOpDefs,
  shape: shapeOpDefs,
  space: spaceOpDefs,
  vision: visionOpDefs,
  classify: classifyOpDefs,
};
