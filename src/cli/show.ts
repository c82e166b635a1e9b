/**
 * `tokenize --show`: the text as its tokens, in alternating background colours, then the ids — the view
 * tokenizer playgrounds give. Each piece is the text that token adds to the decoded string; a token that
 * adds part of a character (one byte of "😀") shows as its stored piece instead.
 */
import type { Tokenizer } from "../tokenizers/types.js";

const COLOURS = [[48, 5, 24], [48, 5, 88], [48, 5, 22], [48, 5, 94], [48, 5, 54]].map((c) => `\x1b[${c.join(";")};97m`);
const RESET = "\x1b[0m";

/** The text each token contributes, as decoding the sequence so far reveals it. */
export function tokenPieces(tokenizer: Tokenizer, ids: readonly number[]): string[] {
  const pieces: string[] = [];
  let before = "";
  for (let i = 0; i < ids.length; i++) {
    const after = tokenizer.decode(ids.slice(0, i + 1), { skipSpecial: false });
    if (after.startsWith(before) && !after.endsWith("\ufffd")) {
      pieces.push(after.slice(before.length));
      before = after;
    } else {
      pieces.push(tokenizer.idToToken(ids[i]) ?? `<${ids[i]}>`);
      before = tokenizer.decode(ids.slice(0, i + 1), { skipSpecial: false });
    }
  }
  return pieces;
}

const visible = (piece: string): string => piece.replaceAll("\n", "↵").replaceAll("\t", "→").replaceAll("\r", "␍");

export function showTokens(tokenizer: Tokenizer, ids: readonly number[]): string {
  const colour = !process.env.NO_COLOR;
  const pieces = tokenPieces(tokenizer, ids);
  const text = pieces.map((p, i) => (colour ? `${COLOURS[i % COLOURS.length]}${visible(p)}${RESET}` : `[${visible(p)}]`)).join("");
  const idLine = ids.map((id, i) => (colour ? `${COLOURS[i % COLOURS.length]}${id}${RESET}` : String(id))).join(" ");
  return `${text}\n${idLine}\n${ids.length} tokens, ${[...pieces.join("")].length} characters\n`;
}
