// Vocabulary and merge rules → the tables the encoder and decoder run on (validated once, at load).
//
// vocab.json  {token string (byte alphabet) → id}     merges.txt  "left right" per line, rank = line order
// ─▶ TokenizerModel { idToToken[V], tokenToId, byteToId[256], merges (pair → rank, merged id), added tokens }

import { BYTE_TO_CHAR } from './byte-unicode.js';
import { TokenizerError } from './errors.js';
import { MergeTable } from './merge-table.js';
import type { AddedToken } from './special-tokens.js';

/** A merge rule as two vocabulary strings, or one "left right" line. */
export type MergeRule = string | readonly [string, string];

/** Everything the tokenizer needs, built and checked by {@link buildModel}. */
export interface TokenizerModel {
  /** id → vocabulary string (byte alphabet) or added-token content; undefined for unused ids. */
  readonly idToToken: readonly (string | undefined)[];
  /** vocabulary string or added-token content → id. */
  tokenToId(token: string): number | undefined;
  /** byteToId[b]: id of the single-byte token for byte b. */
  readonly byteToId: Int32Array;
  readonly merges: MergeTable;
  readonly addedTokens: readonly AddedToken[];
}

/** Where the inputs came from, for error messages. */
export interface SourceNames {
  vocab: string;
  merges: string;
  added: string;
}

/** A vocabulary as a null-prototype dictionary (token → id): the parsed vocab.json object itself when we parsed it. */
type Dictionary = Record<string, number>;

/**
 * Builds the model from a parsed vocabulary, merge rules (rank = index) and added tokens.
 * Throws TokenizerError 'malformed_file' naming the file and the key or line at fault.
 *
 * Load time matters (it is paid before the first encode), so this avoids building a second token → id
 * map: the parsed vocab.json object is the dictionary.
 */
export function buildModel(
  vocab: unknown,
  merges: readonly unknown[],
  addedTokens: readonly AddedToken[],
  names: SourceNames,
  /** Line number of merges[0] in its file (merges.txt after its #version line: 2), or 0 for JSON arrays. */
  firstMergeLine: number,
  /** True when `vocab` is an object this package parsed (no one else holds it: it is used as is). */
  owned: boolean,
): TokenizerModel {
  const { dict, tokens, maxId } = readVocab(vocab, names.vocab, owned);
  const idToToken = indexVocab(dict, tokens, maxId, addedTokens, names);
  const added = new Map<string, number>();
  for (const t of addedTokens) {
    const existing = idToToken[t.id];
    if (existing !== undefined && existing !== t.content) {
      throw new TokenizerError(
        'malformed_file',
        `${names.added}: added token ${JSON.stringify(t.content)} has id ${t.id}, which ${names.vocab} already gives ` +
          `to ${JSON.stringify(existing)}; each id must name one token.`,
        { file: names.added },
      );
    }
    const other = lookup(dict, t.content);
    if (other !== undefined && other !== t.id) {
      throw new TokenizerError(
        'malformed_file',
        `${names.added}: added token ${JSON.stringify(t.content)} has id ${t.id} but ${names.vocab} gives it id ${other}.`,
        { file: names.added },
      );
    }
    idToToken[t.id] = t.content;
    added.set(t.content, t.id);
  }

  const byteToId = new Int32Array(256);
  for (let b = 0; b < 256; b++) {
    const id = lookup(dict, BYTE_TO_CHAR[b]);
    if (id === undefined) {
      throw new TokenizerError(
        'malformed_file',
        `${names.vocab}: no token for byte 0x${b.toString(16).padStart(2, '0')} (${JSON.stringify(BYTE_TO_CHAR[b])}); ` +
          'a byte-level BPE vocabulary must hold all 256 single-byte tokens. Is this a GPT-2-style vocab.json?',
        { file: names.vocab },
      );
    }
    byteToId[b] = id;
  }

  const table = readMerges(merges, dict, idToToken, names, firstMergeLine);
  return {
    idToToken,
    tokenToId: (token) => added.get(token) ?? lookup(dict, token),
    byteToId,
    merges: table,
    addedTokens,
  };
}

function lookup(dict: Dictionary, token: string): number | undefined {
  const id = dict[token];
  return typeof id === 'number' && Object.hasOwn(dict, token) ? id : undefined;
}

/** id → token array, refusing duplicate and absurd ids before allocating anything sized by them. */
function indexVocab(
  dict: Dictionary,
  tokens: readonly string[],
  vocabMaxId: number,
  addedTokens: readonly AddedToken[],
  names: SourceNames,
): (string | undefined)[] {
  let maxId = vocabMaxId;
  let maxFile = names.vocab;
  for (const t of addedTokens) {
    if (t.id > maxId) {
      maxId = t.id;
      maxFile = names.added;
    }
  }
  const limit = 2 * (tokens.length + addedTokens.length) + 1024;
  if (maxId >= limit) {
    throw new TokenizerError(
      'malformed_file',
      `${maxFile}: token id ${maxId} is far beyond the ${tokens.length + addedTokens.length} tokens defined; ` +
        `ids must be dense (below ${limit} here).`,
      { file: maxFile },
    );
  }
  const idToToken: (string | undefined)[] = new Array(maxId + 1).fill(undefined);
  for (const token of tokens) {
    const id = dict[token];
    const other = idToToken[id];
    if (other !== undefined) {
      throw new TokenizerError(
        'malformed_file',
        `${names.vocab}: keys ${JSON.stringify(other)} and ${JSON.stringify(token)} both have id ${id}; each id must name one token.`,
        { file: names.vocab },
      );
    }
    idToToken[id] = token;
  }
  return idToToken;
}

/** merges → MergeTable (pair of ids → rank, merged id). */
function readMerges(
  merges: readonly unknown[],
  dict: Dictionary,
  idToToken: readonly (string | undefined)[],
  names: SourceNames,
  firstMergeLine: number,
): MergeTable {
  const table = new MergeTable(merges.length);
  for (let rank = 0; rank < merges.length; rank++) {
    const rule = merges[rank];
    let left: string;
    let right: string;
    if (typeof rule === 'string') {
      const space = rule.indexOf(' ');
      if (space <= 0 || space === rule.length - 1 || rule.indexOf(' ', space + 1) >= 0) {
        throw new TokenizerError(
          'malformed_file',
          `${names.merges} ${where(rank, firstMergeLine)}: ${JSON.stringify(rule)} is not a merge rule; expected two tokens separated by one space ("left right").`,
          { file: names.merges },
        );
      }
      left = rule.slice(0, space);
      right = rule.slice(space + 1);
    } else if (
      Array.isArray(rule) &&
      rule.length === 2 &&
      typeof rule[0] === 'string' &&
      typeof rule[1] === 'string'
    ) {
      left = rule[0];
      right = rule[1];
    } else {
      throw new TokenizerError(
        'malformed_file',
        `${names.merges} ${where(rank, firstMergeLine)}: expected a "left right" string or a [left, right] pair of strings, found ${describe(rule)}.`,
        { file: names.merges },
      );
    }
    const a = lookup(dict, left);
    const b = lookup(dict, right);
    // Trained vocabularies put the token of merge r at id 256 + r (GPT-2 does): check that guess by
    // comparing, without building the concatenated string; look it up only when the guess is wrong.
    const guess = idToToken[256 + rank];
    const merged =
      guess !== undefined &&
      guess.length === left.length + right.length &&
      guess.startsWith(left) &&
      guess.endsWith(right)
        ? 256 + rank
        : lookup(dict, left + right);
    if (a === undefined || b === undefined || merged === undefined) {
      const missing = a === undefined ? left : b === undefined ? right : left + right;
      throw new TokenizerError(
        'malformed_file',
        `${names.merges} ${where(rank, firstMergeLine)}: merge ${JSON.stringify(left)} + ${JSON.stringify(right)} uses ${JSON.stringify(missing)}, ` +
          `which is not in ${names.vocab}; the two files do not belong together.`,
        { file: names.merges },
      );
    }
    table.set(a, b, rank, merged);
  }
  return table;
}

function where(rank: number, firstMergeLine: number): string {
  return firstMergeLine > 0 ? `line ${firstMergeLine + rank}` : `merges[${rank}]`;
}

/** Checks a parsed vocab.json: an object of string → non-negative integer ids (distinctness: indexVocab). */
function readVocab(
  vocab: unknown,
  file: string,
  owned: boolean,
): { dict: Dictionary; tokens: string[]; maxId: number } {
  if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) {
    throw new TokenizerError(
      'malformed_file',
      `${file}: expected a JSON object mapping each token to its id, found ${describe(vocab)}.`,
      { file },
    );
  }
  const dict = (owned ? vocab : Object.assign(Object.create(null), vocab)) as Dictionary;
  const tokens = Object.keys(dict);
  let maxId = -1;
  for (const token of tokens) {
    const id = dict[token];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= 0x7fffffff) {
      throw new TokenizerError(
        'malformed_file',
        `${file}: key ${JSON.stringify(token)} has value ${describe(id)}; expected a token id, an integer in [0, 2^31 − 1).`,
        { file },
      );
    }
    if (id > maxId) maxId = id;
  }
  if (tokens.length === 0) {
    throw new TokenizerError('malformed_file', `${file}: the vocabulary is empty.`, { file });
  }
  return { dict, tokens, maxId };
}

/** Parses merges.txt: an optional "#version" first line, then one "left right" rule per line. */
export function parseMergesText(text: string, file: string): { rules: string[]; firstLine: number } {
  if (typeof text !== 'string') {
    throw new TokenizerError('malformed_file', `${file}: expected text, found ${describe(text)}.`, { file });
  }
  const lines = text.split('\n');
  let firstLine = 1;
  if (lines.length > 0 && lines[0].startsWith('#version')) {
    lines.shift();
    firstLine = 2;
  }
  // A final newline leaves one empty last line; a blank line elsewhere is an error (reported by buildModel).
  while (lines.length > 0 && lines[lines.length - 1].replace(/\r$/, '') === '') lines.pop();
  for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
  return { rules: lines, firstLine };
}

/** A short description of a JSON value for messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
