/**
 * Where a token is: three ways to tell the model.
 *   learned     GPT-2: a table of one vector per position, added to the token embedding (the model's wpe).
 *   sinusoidal  Vaswani et al. 2017: PE[p, 2i] = sin(p / 10000^(2i/C)), PE[p, 2i+1] = cos(p / 10000^(2i/C)).
 *   RoPE        Su et al. 2021: rotate each pair of query/key dims by θ = p · invFreq[i], where
 *               invFreq[i] = theta^(−2i/d), so q·k depends only on the distance between positions.
 * Scaling stretches RoPE to longer contexts: "linear" divides every frequency by the factor; "llama3"
 * (Llama 3.1) leaves high frequencies alone, divides low ones, and blends in between.
 */

export type RopeScaling =
  | { readonly type: "linear"; readonly factor: number }
  | {
      readonly type: "llama3";
      readonly factor: number; // 8 for Llama 3.1
      readonly lowFreqFactor: number; // 1
      readonly highFreqFactor: number; // 4
      readonly originalContextLength: number; // 8192
    };

/** invFreq (rotaryDim / 2): the rotation speed of each pair. rotaryDim ≤ headDim (all of it by default). */
export function ropeInverseFrequencies(rotaryDim: number, theta: number, scaling?: RopeScaling): Float32Array {
  const invFreq = new Float32Array(rotaryDim / 2);
  for (let i = 0; i < rotaryDim / 2; i++) invFreq[i] = scaleFrequency(1 / theta ** ((2 * i) / rotaryDim), scaling);
  return invFreq;
}

function scaleFrequency(freq: number, scaling: RopeScaling | undefined): number {
  if (!scaling) return freq;
  if (scaling.type === "linear") return freq / scaling.factor;
  const { factor, lowFreqFactor, highFreqFactor, originalContextLength } = scaling;
  const wavelength = (2 * Math.PI) / freq;
  const lowFreqWavelength = originalContextLength / lowFreqFactor; // longer waves than this: scaled fully
  const highFreqWavelength = originalContextLength / highFreqFactor; // shorter waves than this: untouched
  if (wavelength < highFreqWavelength) return freq;
  if (wavelength > lowFreqWavelength) return freq / factor;
  const smooth = (originalContextLength / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
  return (1 - smooth) * (freq / factor) + smooth * freq;
}

/** The sinusoidal table PE (T, C) for positions pos0 .. pos0 + T − 1. */
export function sinusoidalPositions(pos0: number, T: number, C: number): Float32Array {
  const pe = new Float32Array(T * C);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < C / 2; i++) {
      const angle = (pos0 + t) / 10000 ** ((2 * i) / C);
      pe[t * C + 2 * i] = Math.sin(angle);
      pe[t * C + 2 * i + 1] = Math.cos(angle);
    }
  }
  return pe;
}

/** Int32Array [pos0, pos0 + 1, ..., pos0 + T − 1]. */
export function positionRange(pos0: number, T: number): Int32Array {
  return Int32Array.from({ length: T }, (_, t) => pos0 + t);
}
