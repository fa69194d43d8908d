import { addConstant, addInt64, addNode, addWeight, benchModel, ints, newGraph, type BenchModel, type GraphParts } from './graph.js';

/**
 * ViT-B/16 (Dosovitskiy et al. 2020, torchvision layout) as an in-memory ONNX
 * model with seeded random weights: a 16×16 stride-16 patch convolution, a
 * class token and position embedding (197 tokens of 768), 12 pre-norm encoder
 * layers (12 heads of 64, MLP 3072 with erf GELU), a final LayerNorm and a
 * 768→1000 head on the class token. 86.6 M fp32 parameters, the op mix of a
 * torch export at opset 17 (MatMul + Add, Reshape/Transpose head splits, Softmax).
 */

const DIM = 768;
const HEADS = 12;
const HEAD_DIM = DIM / HEADS;
const MLP = 3072;
const LAYERS = 12;
const PATCH = 16;
const TOKENS = (224 / PATCH) ** 2 + 1;

function layerNorm(g: GraphParts, x: string, name: string): string {
  const scale = addConstant(g, `${name}.weight`, DIM, () => 0.8 + g.random() * 0.4);
  const bias = addConstant(g, `${name}.bias`, DIM, () => (g.random() - 0.5) * 0.1);
  return addNode(g, 'LayerNormalization', [x, scale, bias], name, { axis: { type: 'int', value: -1 }, epsilon: { type: 'float', value: 1e-6 } });
}

/** x · W + b with W stored [in, out], as torch exports nn.Linear. */
function dense(g: GraphParts, x: string, name: string, inDim: number, outDim: number): string {
  const w = addWeight(g, `${name}.weight`, [inDim, outDim], Math.sqrt(3 / inDim));
  const b = addConstant(g, `${name}.bias`, outDim, () => (g.random() - 0.5) * 0.02);
  return addNode(g, 'Add', [addNode(g, 'MatMul', [x, w], `${name}.matmul`), b], name);
}

/** [1, T, 768] → [1, 12, T, 64] (or [1, 12, 64, T] for keys). */
function splitHeads(g: GraphParts, x: string, name: string, keys: boolean): string {
  const r = addNode(g, 'Reshape', [x, 'vit.heads_shape'], `${name}.reshape`);
  return addNode(g, 'Transpose', [r], `${name}.heads`, { perm: ints(keys ? [0, 2, 3, 1] : [0, 2, 1, 3]) });
}

function attention(g: GraphParts, x: string, name: string): string {
  const q = splitHeads(g, dense(g, x, `${name}.q`, DIM, DIM), `${name}.q`, false);
  const k = splitHeads(g, dense(g, x, `${name}.k`, DIM, DIM), `${name}.k`, true);
  const v = splitHeads(g, dense(g, x, `${name}.v`, DIM, DIM), `${name}.v`, false);
  const scores = addNode(g, 'Mul', [addNode(g, 'MatMul', [q, k], `${name}.qk`), 'vit.scale'], `${name}.scores`);
  const probs = addNode(g, 'Softmax', [scores], `${name}.softmax`, { axis: { type: 'int', value: -1 } });
  const ctx = addNode(g, 'MatMul', [probs, v], `${name}.context`);
  const merged = addNode(g, 'Transpose', [ctx], `${name}.merge`, { perm: ints([0, 2, 1, 3]) });
  const flat = addNode(g, 'Reshape', [merged, 'vit.tokens_shape'], `${name}.flat`);
  return dense(g, flat, `${name}.out`, DIM, DIM);
}

/** GELU as torch exports it before opset 20: 0.5·x·(1 + erf(x/√2)). */
function gelu(g: GraphParts, x: string, name: string): string {
  const erf = addNode(g, 'Erf', [addNode(g, 'Div', [x, 'vit.sqrt2'], `${name}.div`)], `${name}.erf`);
  const onePlus = addNode(g, 'Add', [erf, 'vit.one'], `${name}.add`);
  return addNode(g, 'Mul', [addNode(g, 'Mul', [x, onePlus], `${name}.mul`), 'vit.half'], name);
}

function encoderLayer(g: GraphParts, x: string, name: string): string {
  const attended = addNode(g, 'Add', [x, attention(g, layerNorm(g, x, `${name}.ln1`), `${name}.attn`)], `${name}.res1`);
  const hidden = gelu(g, dense(g, layerNorm(g, attended, `${name}.ln2`), `${name}.fc1`, DIM, MLP), `${name}.gelu`);
  return addNode(g, 'Add', [attended, dense(g, hidden, `${name}.fc2`, MLP, DIM)], `${name}.res2`);
}

function addScalar(g: GraphParts, name: string, value: number): void {
  addConstant(g, name, 1, () => value);
}

export function buildVitB16(seed = 16): BenchModel {
  const g = newGraph(seed);
  addInt64(g, 'vit.heads_shape', [4], [1, TOKENS, HEADS, HEAD_DIM]);
  addInt64(g, 'vit.tokens_shape', [3], [1, TOKENS, DIM]);
  addInt64(g, 'vit.patches_shape', [3], [1, DIM, TOKENS - 1]);
  addInt64(g, 'vit.cls_index', [], [0]);
  addScalar(g, 'vit.scale', 1 / Math.sqrt(HEAD_DIM));
  addScalar(g, 'vit.sqrt2', Math.SQRT2);
  addScalar(g, 'vit.one', 1);
  addScalar(g, 'vit.half', 0.5);
  const patchW = addWeight(g, 'patch.weight', [DIM, 3, PATCH, PATCH], Math.sqrt(3 / (3 * PATCH * PATCH)));
  const patchB = addConstant(g, 'patch.bias', DIM, () => 0);
  const patches = addNode(g, 'Conv', ['input', patchW, patchB], 'patch.conv', { kernel_shape: ints([PATCH, PATCH]), strides: ints([PATCH, PATCH]) });
  const flat = addNode(g, 'Reshape', [patches, 'vit.patches_shape'], 'patch.flat');
  const tokens = addNode(g, 'Transpose', [flat], 'patch.tokens', { perm: ints([0, 2, 1]) });
  const cls = addWeight(g, 'cls_token', [1, 1, DIM], 0.02);
  const pos = addWeight(g, 'pos_embedding', [1, TOKENS, DIM], 0.02);
  let x = addNode(g, 'Add', [addNode(g, 'Concat', [cls, tokens], 'embed.concat', { axis: { type: 'int', value: 1 } }), pos], 'embed');
  for (let l = 0; l < LAYERS; l++) x = encoderLayer(g, x, `layer${l}`);
  x = layerNorm(g, x, 'final_ln');
  const clsOut = addNode(g, 'Gather', [x, 'vit.cls_index'], 'cls_out', { axis: { type: 'int', value: 1 } });
  const headW = addWeight(g, 'head.weight', [1000, DIM], Math.sqrt(1 / DIM));
  const headB = addConstant(g, 'head.bias', 1000, () => 0);
  addNode(g, 'Gemm', [clsOut, headW, headB], 'logits', { transB: { type: 'int', value: 1 } });
  return benchModel(g, 'vit_b16', 17, { name: 'input', dtype: 'float32', shape: [1, 3, 224, 224] }, { name: 'logits', dtype: 'float32', shape: [1, 1000] });
}
