// GPT-2's byte ↔ unicode table (`bytes_to_unicode` in OpenAI's encoder.py and Hugging Face's GPT2Tokenizer).
// Vocabulary entries are written in this alphabet: each byte 0–255 is one printable character, so a token's
// bytes become a readable string ('Ġ' is the byte 0x20, a space). Printable Latin-1 bytes map to themselves;
// the 68 others (controls, space, 0x7F–0xA0, 0xAD) map to U+0100 upward in byte order.

/** BYTE_TO_CHAR[b] is the character that stands for byte b in vocab.json / merges.txt. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** CHAR_CODE_TO_BYTE[code] is the byte a vocabulary character stands for, or -1 (codes 0–0x143). */
export const CHAR_CODE_TO_BYTE: Int16Array = buildCharToByte();

function isPrintable(b: number): boolean {
  return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
}

function buildByteToChar(): string[] {
  const out: string[] = new Array(256);
  let next = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCharCode(isPrintable(b) ? b : 256 + next++);
  return out;
}

function buildCharToByte(): Int16Array {
  const table = new Int16Array(256 + 68).fill(-1);
  for (let b = 0; b < 256; b++) table[BYTE_TO_CHAR[b].charCodeAt(0)] = b;
  return table;
}

/**
 * The bytes a vocabulary string stands for, or undefined when it holds a character outside the
 * byte alphabet (then it is not a byte-level token; Hugging Face's ByteLevel decoder then uses its UTF-8).
 */
export function tokenStringToBytes(token: string): Uint8Array | undefined {
  const out = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    const b = code < CHAR_CODE_TO_BYTE.length ? CHAR_CODE_TO_BYTE[code] : -1;
    if (b < 0) return undefined;
    out[i] = b;
  }
  return out;
}

/** The vocabulary string for a byte sequence (inverse of {@link tokenStringToBytes}). */
export function bytesToTokenString(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]];
  return s;
}
