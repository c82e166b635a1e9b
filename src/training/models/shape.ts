/**
 * What a trainable transformer looks like: the architecture and its sizes. `gpt2` is nanoGPT's model
 * (learned positions, LayerNorm, GELU MLP, tied head, biases optional); `llama` is Llama's (RoPE, RMSNorm,
 * SwiGLU, grouped-query attention, no biases).
 */
import { UserError } from "../../core/errors.js";

export interface ModelShape {
  readonly architecture: "gpt2" | "llama";
  readonly vocabSize: number;
  readonly blockSize: number; // context length: the longest window trained on
  readonly nLayer: number;
  readonly nHead: number;
  readonly nKvHead: number; // gpt2: = nHead
  readonly nEmbd: number;
  readonly ffnDim: number; // gpt2: 4·nEmbd by convention; llama: SwiGLU's hidden width
  readonly bias: boolean; // gpt2 only: biases in linear layers and LayerNorms
  readonly tieEmbeddings: boolean; // the output head reuses the token embedding
  readonly dropout: number;
  readonly normEps: number;
  readonly ropeTheta: number; // llama only
}

/** Fills in the conventional sizes: 4× MLP for gpt2, Llama's 8/3 rounded up to a multiple of 32 for SwiGLU. */
export function completeShape(partial: Partial<ModelShape> & Pick<ModelShape, "architecture" | "vocabSize" | "nLayer" | "nHead" | "nEmbd" | "blockSize">): ModelShape {
  const llama = partial.architecture === "llama";
  const shape: ModelShape = {
    nKvHead: partial.nHead,
    ffnDim: llama ? Math.ceil((8 * partial.nEmbd) / 3 / 32) * 32 : 4 * partial.nEmbd,
    bias: !llama,
    tieEmbeddings: !llama,
    dropout: 0,
    normEps: llama ? 1e-6 : 1e-5,
    ropeTheta: 10000,
    ...partial,
  };
  if (shape.nEmbd % shape.nHead !== 0) throw new UserError("model shape", `nEmbd ${shape.nEmbd} is not a multiple of nHead ${shape.nHead}`);
  if (shape.nHead % shape.nKvHead !== 0) throw new UserError("model shape", `nHead ${shape.nHead} is not a multiple of nKvHead ${shape.nKvHead}`);
  if (llama && (shape.nEmbd / shape.nHead) % 2 !== 0) throw new UserError("model shape", `RoPE needs an even head size, got ${shape.nEmbd / shape.nHead}`);
  if (!llama && shape.nKvHead !== shape.nHead) throw new UserError("model shape", "gpt2 has no grouped-query attention: nKvHead must equal nHead");
  return shape;
}
