/**
 * A minimal protocol-buffers wire-format reader: enough to read SentencePiece `.model` files without a
 * protobuf library. Every read is bounds-checked, so a truncated file fails with a clear error.
 *
 * Wire format: each field is a varint key (field number << 3 | wire type) followed by its value:
 * 0 varint, 1 fixed 64-bit, 2 length-delimited bytes, 5 fixed 32-bit.
 */
import { FormatError } from "../core/errors.js";

export interface Field {
  readonly number: number;
  readonly wireType: number;
  /** varint / fixed value (wire types 0, 1, 5) */
  readonly value: number;
  /** payload (wire type 2) */
  readonly bytes: Uint8Array;
}

export function* readFields(buf: Uint8Array, source: string): Generator<Field> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw new FormatError(source, `truncated protobuf (varint runs past byte ${buf.length})`);
      const b = buf[pos++];
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new FormatError(source, `malformed protobuf varint at byte ${pos}`);
  };
  const need = (n: number): void => {
    if (pos + n > buf.length) throw new FormatError(source, `truncated protobuf (field needs ${n} bytes at byte ${pos}, file has ${buf.length})`);
  };
  while (pos < buf.length) {
    const key = varint();
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    const empty = buf.subarray(0, 0);
    switch (wireType) {
      case 0:
        yield { number, wireType, value: varint(), bytes: empty };
        break;
      case 1:
        need(8);
        yield { number, wireType, value: view.getFloat64(pos, true), bytes: buf.subarray(pos, pos + 8) };
        pos += 8;
        break;
      case 2: {
        const length = varint();
        need(length);
        yield { number, wireType, value: length, bytes: buf.subarray(pos, pos + length) };
        pos += length;
        break;
      }
      case 5:
        need(4);
        yield { number, wireType, value: view.getFloat32(pos, true), bytes: buf.subarray(pos, pos + 4) };
        pos += 4;
        break;
      default:
        throw new FormatError(source, `not a protobuf message (wire type ${wireType} at byte ${pos})`);
    }
  }
}

/** A varint field read as a signed 32-bit integer (negative ids such as pad_id = -1 are sign-extended). */
export function int32(field: Field): number {
  return field.value >= 2 ** 31 ? field.value - 2 ** 64 : field.value;
}

export function text(field: Field): string {
  return Buffer.from(field.bytes).toString("utf8");
}
