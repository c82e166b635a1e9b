/**
 * GPT-2's byte ↔ character table. Byte-level BPE vocabularies (GPT-2, Llama 3, Qwen2, tokenizer.json
 * "ByteLevel") store tokens as strings where each byte is one printable character: bytes that are
 * printable Latin-1 map to themselves, the other 68 to U+0100 onward, in byte order.
 *
 *   byte 0x20 ' ' → 'Ġ' (U+0120)      byte 0x0A '\n' → 'Ċ' (U+010A)      byte 0x41 'A' → 'A'
 */
function buildTable(): string[] {
  const table = new Array<string>(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : next++);
  }
  return table;
}

/** BYTE_TO_CHAR[b]: the character that stands for byte b. */
export const BYTE_TO_CHAR: readonly string[] = buildTable();

/** The inverse: character code → byte, or -1. */
export const CHAR_TO_BYTE: Int16Array = (() => {
  const inverse = new Int16Array(324).fill(-1);
  BYTE_TO_CHAR.forEach((c, b) => (inverse[c.charCodeAt(0)] = b));
  return inverse;
})();

/** "hé" → bytes 68 C3 A9 → "hÃ©". */
export function bytesToByteLevel(bytes: Uint8Array, length = bytes.length): string {
  let s = "";
  for (let i = 0; i < length; i++) s += BYTE_TO_CHAR[bytes[i]];
  return s;
}

/** The inverse of bytesToByteLevel; undefined if some character is not in the table. */
export function byteLevelToBytes(text: string): Uint8Array | undefined {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const b = code < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[code] : -1;
    if (b < 0) return undefined;
    out[i] = b;
  }
  return out;
}
