/**
 * Causal self-attention over a batch, heads and grouped key/value heads included. With q (B, T, H·hs),
 * k and v (B, T, Hkv·hs):
 *   forward:  P = softmax(q kᵀ / √hs + causal mask);  out = P v                        (per batch and head)
 *   backward: dv = Pᵀ dout;  dP = dout vᵀ;  dS = P ⊙ (dP − rowsum(P ⊙ dP));  dq = dS k / √hs;  dk = dSᵀ q / √hs
 * The backend runs both directions (Backend.causalAttention); P is saved for the backward pass.
 */
import type { BatchShape } from "../../tensor/backend.js";
import type { Tape } from "../tape.js";
import type { Variable } from "../variable.js";

export function causalSelfAttention(tape: Tape, q: Variable, k: Variable, v: Variable, shape: BatchShape): Variable {
  const { B, T, nHead } = shape;
  const out = tape.output(q.shape);
  const probs = tape.floats(B * nHead * T * T);
  tape.backend.causalAttention(out.data, probs, q.data, k.data, v.data, shape);
  tape.record(() => {
    const dq = tape.floats(q.size);
    const dk = tape.floats(k.size);
    const dv = tape.floats(v.size);
    tape.backend.causalAttentionBackward(dq, dk, dv, out.grad!, probs, q.data, k.data, v.data, shape);
    tape.backend.add(tape.grad(q), tape.grad(q), dq);
    tape.backend.add(tape.grad(k), tape.grad(k), dk);
    tape.backend.add(tape.grad(v), tape.grad(v), dv);
  });
  return out;
}
