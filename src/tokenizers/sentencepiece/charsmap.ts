/**
 * SentencePiece's precompiled character map: the compiled form of a normalization rule set such as
 * `nmt_nfkc` (NFKC plus cleanups). Stored in a `.model` file's normalizer_spec and, base64-encoded, in
 * tokenizer.json's "Precompiled" normalizer.
 *
 * Layout: u32 little-endian trie size in bytes | a darts-clone double-array trie (u32 units) mapping a
 * UTF-8 input prefix to an offset | NUL-terminated replacement strings that the offsets point into.
 *
 *   "ｈｅｌｌｏ" (full-width) → "hello";   "①" → "1"
 */
import { FormatError } from "../../core/errors.js";

export class CharsMap {
  private readonly units: Uint32Array;
  private readonly normalized: Uint8Array;

  constructor(blob: Uint8Array, source: string) {
    if (blob.length < 4) throw new FormatError(source, "precompiled charsmap is shorter than its 4-byte header");
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieSize = view.getUint32(0, true);
    if (trieSize % 4 !== 0 || 4 + trieSize > blob.length) throw new FormatError(source, `precompiled charsmap trie size ${trieSize} does not fit in ${blob.length} bytes`);
    this.units = new Uint32Array(trieSize / 4);
    for (let i = 0; i < this.units.length; i++) this.units[i] = view.getUint32(4 + 4 * i, true);
    this.normalized = blob.subarray(4 + trieSize);
  }

  /**
   * The prefixes of bytes[from..] the trie knows, shortest first, as [length, replacement offset].
   * Darts-clone unit: label = bits 0-7 (+ bit 31), has-leaf = bit 8, offset = bits 10.. shifted by bit 9.
   */
  private prefixes(bytes: Uint8Array, from: number, to: number): [number, number][] {
    const units = this.units;
    const found: [number, number][] = [];
    if (units.length === 0) return found;
    let node = offsetOf(units[0]);
    for (let i = from; i < to; i++) {
      const c = bytes[i];
      if (c === 0) break;
      node ^= c;
      if (node >= units.length) break;
      const unit = units[node];
      if ((unit & 0x800000ff) >>> 0 !== c) break;
      node ^= offsetOf(unit);
      if ((unit >>> 8) & 1) {
        if (node >= units.length) break;
        found.push([i + 1 - from, units[node] & 0x7fffffff]);
      }
    }
    return found;
  }

  private replacement(offset: number): Uint8Array {
    let end = offset;
    while (end < this.normalized.length && this.normalized[end] !== 0) end++;
    return this.normalized.subarray(offset, end);
  }

  /** SentencePiece's rule: the longest known prefix of bytes[from..], as [length, replacement bytes]. */
  longestPrefix(bytes: Uint8Array, from: number, to = bytes.length): [number, Uint8Array] | undefined {
    const found = this.prefixes(bytes, from, to);
    if (found.length === 0) return undefined;
    const [length, offset] = found[found.length - 1];
    return [length, this.replacement(offset)];
  }

  /**
   * Hugging Face's rule (spm_precompiled's `transform`): the replacement of the *shortest* known prefix of
   * `text` stands for the whole of `text`. (For a grapheme such as "\u3000\u0308" this drops the mark, as
   * Hugging Face does.)
   */
  transform(text: string): string | undefined {
    const bytes = Buffer.from(text, "utf8");
    const found = this.prefixes(bytes, 0, bytes.length);
    if (found.length === 0) return undefined;
    return Buffer.from(this.replacement(found[0][1])).toString("utf8");
  }
}

function offsetOf(unit: number): number {
  return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * Hugging Face's Precompiled normalizer: per grapheme cluster, replace the whole cluster if the map has it
 * (clusters under 6 bytes), else each character that the map has.
 */
export function precompiledNormalizer(blob: Uint8Array, source: string): (text: string) => string {
  const map = new CharsMap(blob, source);
  return (text) => {
    let out = "";
    for (const { segment } of graphemes.segment(text)) {
      if (Buffer.byteLength(segment) < 6) {
        const whole = map.transform(segment);
        if (whole !== undefined) {
          out += whole;
          continue;
        }
      }
      for (const c of segment) out += map.transform(c) ?? c;
    }
    return out;
  };
}
