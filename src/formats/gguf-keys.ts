/**
 * The one table of GGUF metadata keys and tensor names glassbox reads and writes (llama.cpp's
 * gguf-py/gguf/constants.py and llama-arch.cpp define them). `{arch}` is general.architecture.
 */
export const GGUF_KEYS = {
  architecture: "general.architecture",
  name: "general.name",
  alignment: "general.alignment",
  fileType: "general.file_type",
  contextLength: "{arch}.context_length",
  embeddingLength: "{arch}.embedding_length",
  blockCount: "{arch}.block_count",
  feedForwardLength: "{arch}.feed_forward_length",
  headCount: "{arch}.attention.head_count",
  headCountKv: "{arch}.attention.head_count_kv",
  keyLength: "{arch}.attention.key_length",
  rmsEps: "{arch}.attention.layer_norm_rms_epsilon",
  layerNormEps: "{arch}.attention.layer_norm_epsilon",
  slidingWindow: "{arch}.attention.sliding_window",
  ropeDimensionCount: "{arch}.rope.dimension_count",
  ropeFreqBase: "{arch}.rope.freq_base",
  ropeScalingType: "{arch}.rope.scaling.type",
  ropeScalingFactor: "{arch}.rope.scaling.factor",
  ropeScalingOriginalContext: "{arch}.rope.scaling.original_context_length",
  expertCount: "{arch}.expert_count",
  expertUsedCount: "{arch}.expert_used_count",
  vocabSize: "{arch}.vocab_size",
  chatTemplate: "tokenizer.chat_template",
} as const;

export function ggufKey(key: keyof typeof GGUF_KEYS, arch: string): string {
  return GGUF_KEYS[key].replace("{arch}", arch);
}

/** Canonical tensor names (DESIGN.md: canonical names are GGUF's). `N` is the layer, `E` an expert. */
export const TENSOR_NAMES = {
  tokenEmbedding: "token_embd.weight",
  positionEmbedding: "position_embd.weight",
  outputNorm: "output_norm",
  output: "output.weight",
  attnNorm: "blk.N.attn_norm",
  attnQ: "blk.N.attn_q",
  attnK: "blk.N.attn_k",
  attnV: "blk.N.attn_v",
  attnQkv: "blk.N.attn_qkv",
  attnOutput: "blk.N.attn_output",
  ffnNorm: "blk.N.ffn_norm",
  ffnGate: "blk.N.ffn_gate",
  ffnUp: "blk.N.ffn_up",
  ffnDown: "blk.N.ffn_down",
  ffnRouter: "blk.N.ffn_gate_inp",
  ffnGateExperts: "blk.N.ffn_gate_exps",
  ffnUpExperts: "blk.N.ffn_up_exps",
  ffnDownExperts: "blk.N.ffn_down_exps",
} as const;
