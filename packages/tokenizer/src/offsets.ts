// Character spans of tokens for encodeWithOffsets.
//
// A piece text[i, j) was encoded to ids whose UTF-8 byte lengths are known; a token covering bytes [b, e)
// of the piece spans from the character holding byte b to the end of the character holding byte e − 1.
// A token holding part of a character (half an emoji) therefore covers the whole character.

/**
 * Appends [start, end) UTF-16 spans of ids[first, count) — the tokens of the piece text[i, j) — to offsets.
 * `byteLength[id]` is the UTF-8 length of a token.
 */
export function pieceOffsets(
  text: string,
  i: number,
  j: number,
  ids: Int32Array,
  first: number,
  count: number,
  byteLength: Int32Array,
  offsets: [number, number][],
): void {
  let u = i; // UTF-16 index of the current character
  let charByte = 0; // byte offset (within the piece) of that character
  let byte = 0; // byte offset of the current token
  for (let k = first; k < count; k++) {
    const tokenEnd = byte + byteLength[ids[k]];
    while (charByte + utf8Length(text, u, j) <= byte) {
      charByte += utf8Length(text, u, j);
      u += utf16Length(text, u, j);
    }
    const start = u;
    let v = u;
    let vByte = charByte;
    while (vByte + utf8Length(text, v, j) < tokenEnd) {
      vByte += utf8Length(text, v, j);
      v += utf16Length(text, v, j);
    }
    offsets.push([start, v + utf16Length(text, v, j)]);
    byte = tokenEnd;
  }
}

/** UTF-8 length of the character at text[u] (a lone surrogate counts as U+FFFD: 3 bytes). */
function utf8Length(text: string, u: number, end: number): number {
  const c = text.charCodeAt(u);
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  return utf16Length(text, u, end) === 2 ? 4 : 3;
}

/** 2 for a surrogate pair at text[u], else 1. */
function utf16Length(text: string, u: number, end: number): number {
  const c = text.charCodeAt(u);
  return (c & 0xfc00) === 0xd800 && u + 1 < end && (text.charCodeAt(u + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
}
