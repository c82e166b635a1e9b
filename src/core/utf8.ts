/**
 * UTF-8 helpers shared by every tokenizer. Tokenizers work on bytes (tiktoken, byte-level BPE, byte
 * fallback), while JavaScript strings are UTF-16, so these conversions sit on every hot path.
 */
const encoder = new TextEncoder();
const lossyDecoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Bytes → string; invalid sequences become U+FFFD, as Rust's `String::from_utf8_lossy` does. */
export function utf8DecodeLossy(bytes: Uint8Array): string {
  return lossyDecoder.decode(bytes);
}

/** Is `bytes` complete, valid UTF-8? */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Number of bytes the UTF-8 sequence starting with `lead` has (1 for a stray continuation byte). */
export function utf8SequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

/** Code points of `text` (whole surrogate pairs), as Rust's `str::chars()` yields them. */
export function codePoints(text: string): string[] {
  return Array.from(text);
}

/**
 * Writes the UTF-8 encoding of `text` into `out` starting at 0 and returns the byte count. `out` must hold
 * 3 × text.length bytes. Faster than TextEncoder for the short pieces tokenizers produce.
 * A lone surrogate is encoded as U+FFFD, as TextEncoder does.
 */
export function utf8EncodeInto(text: string, out: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          out[n++] = 0xf0 | (c >> 18);
          out[n++] = 0x80 | ((c >> 12) & 63);
          out[n++] = 0x80 | ((c >> 6) & 63);
          out[n++] = 0x80 | (c & 63);
          continue;
        }
        c = 0xfffd;
      }
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    }
  }
  return n;
}
