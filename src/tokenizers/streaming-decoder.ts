/**
 * Turns a stream of token ids into a stream of text that never splits a UTF-8 character.
 *
 * A character can span several tokens (byte-level BPE, <0xNN> byte fallback): "😀" may arrive as four
 * byte tokens. Decoding each token alone would print four U+FFFD. Instead, decode a window of recent
 * tokens twice — without and with the newest — and emit only the difference, once it no longer ends in an
 * incomplete character. Decoding a window (not one token) also keeps the decoder's context right, e.g.
 * SentencePiece drops the leading space only at the very start.
 *
 *   push(id of "<0xF0>") → ""   push("<0x9F>") → ""   push("<0x98>") → ""   push("<0x80>") → "😀"
 */
import type { DecodeOptions, Tokenizer } from "./types.js";

export class StreamingDecoder {
  private readonly ids: number[] = [];
  private prefixStart = 0; // window start
  private readStart = 0; // ids before this index have been emitted

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly options: DecodeOptions = {},
  ) {}

  /**
   * Gives the decoder the ids that come before the stream (a prompt) without emitting them, so the first
   * streamed token decodes in context (e.g. SentencePiece's "▁world" after a prompt is " world", not "world").
   */
  prime(context: readonly number[]): void {
    const tail = context.slice(-4); // a few tokens are enough context for any decoder
    this.ids.push(...tail);
    this.prefixStart = this.ids.length - tail.length;
    this.readStart = this.ids.length;
  }

  /** Adds one token; returns the new text that is now complete ("" while a character is incomplete). */
  push(id: number): string {
    this.ids.push(id);
    const prefix = this.tokenizer.decode(this.ids.slice(this.prefixStart, this.readStart), this.options);
    const full = this.tokenizer.decode(this.ids.slice(this.prefixStart), this.options);
    if (full.length > prefix.length && !full.endsWith("\ufffd") && full.startsWith(prefix)) {
      this.prefixStart = this.readStart;
      this.readStart = this.ids.length;
      return full.slice(prefix.length);
    }
    return "";
  }

  /** The text still held back (an incomplete character at the end of the stream, as U+FFFD). */
  flush(): string {
    const prefix = this.tokenizer.decode(this.ids.slice(this.prefixStart, this.readStart), this.options);
    const full = this.tokenizer.decode(this.ids.slice(this.prefixStart), this.options);
    this.prefixStart = this.readStart = this.ids.length;
    return full.startsWith(prefix) ? full.slice(prefix.length) : "";
  }
}
