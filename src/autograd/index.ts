/** Reverse-mode automatic differentiation: the tape, variables, and one file per op with its gradient rule. */
export { Arena, allocateFloats } from "./arena.js";
export { Tape } from "./tape.js";
export { Variable } from "./variable.js";
export { add } from "./ops/add.js";
export { causalSelfAttention } from "./ops/attention.js";
export { crossEntropy } from "./ops/cross-entropy.js";
export { dropout } from "./ops/dropout.js";
export { embedding } from "./ops/embedding.js";
export { gelu } from "./ops/gelu.js";
export { layerNorm } from "./ops/layer-norm.js";
export { linear } from "./ops/linear.js";
export { rmsNorm } from "./ops/rms-norm.js";
export { rope } from "./ops/rope.js";
export { splitColumns } from "./ops/split.js";
export { swiglu } from "./ops/swiglu.js";
