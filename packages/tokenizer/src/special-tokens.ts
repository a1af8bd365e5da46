// Special and added tokens: which ones are looked for in the input, and finding them.
//
// Special tokens (`<|endoftext|>` = 50256 for GPT-2) follow tiktoken's policy:
//   allowedSpecial    tokens encoded as their id (default: none; 'all' = every special token)
//   disallowedSpecial tokens whose text in the input is an error (default 'all' = every special token
//                     not allowed); special tokens in neither set are encoded as plain text.
// Non-special added tokens of a tokenizer.json (`special: false`) are always matched, as in Hugging Face.
// Matching is leftmost-longest; lstrip / rstrip / single_word behave as in Hugging Face's AddedVocabulary.

import { TokenizerError } from './errors.js';
import { BMP_CLASS, SPACE } from './unicode-classes.js';

/** A token added on top of the BPE vocabulary (tokenizer.json `added_tokens`), matched before BPE. */
export interface AddedToken {
  readonly id: number;
  readonly content: string;
  /** Special tokens follow allowedSpecial / disallowedSpecial; others are always matched. */
  readonly special: boolean;
  /** Swallow whitespace on the left of a match. */
  readonly lstrip: boolean;
  /** Swallow whitespace on the right of a match. */
  readonly rstrip: boolean;
  /** Match only as a whole word (no word character on either side). */
  readonly singleWord: boolean;
}

/** Which special tokens a call may encode: 'all', or a set (or array) of their texts. */
export type SpecialTokenSet = 'all' | ReadonlySet<string> | readonly string[];

/** Special-token options of encode / countTokens / encodeWithOffsets / tokenize (tiktoken's names). */
export interface SpecialTokenOptions {
  /** Special tokens encoded as their id. Default: none. */
  allowedSpecial?: SpecialTokenSet;
  /** Special tokens whose text in the input throws TokenizerError 'disallowed_special'. Default: 'all' (all not allowed). */
  disallowedSpecial?: SpecialTokenSet;
}

/** One match: the input span [start, end) it consumes (stripped whitespace included) and its token id. */
export interface AddedTokenMatch {
  start: number;
  end: number;
  id: number;
}

// Hugging Face's `\w` (Rust regex, Unicode): letters, marks, decimal digits, connector punctuation, joiners.
const WORD_CHAR_BEFORE = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]$/u;
const WORD_CHAR_AFTER = /^[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;

/** Finds the leftmost-longest occurrence of any of a fixed set of added tokens. */
export class AddedTokenMatcher {
  private readonly byContent: Map<string, AddedToken>;
  private readonly single: AddedToken | undefined;
  private readonly pattern: RegExp | undefined;

  constructor(tokens: readonly AddedToken[]) {
    this.byContent = new Map(tokens.map((t) => [t.content, t]));
    const plain = tokens.length === 1 && !tokens[0].lstrip && !tokens[0].rstrip && !tokens[0].singleWord;
    this.single = plain ? tokens[0] : undefined;
    if (!plain) {
      // Longest first: at one position, the alternation then takes the longest token (leftmost-longest).
      const alternatives = [...this.byContent.keys()]
        .sort((a, b) => b.length - a.length)
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      this.pattern = new RegExp(alternatives.join('|'), 'g');
    }
  }

  /** The first match in text[from, end), or undefined. */
  find(text: string, from: number, end: number): AddedTokenMatch | undefined {
    const single = this.single;
    if (single !== undefined) {
      const at = text.indexOf(single.content, from);
      return at < 0 || at + single.content.length > end
        ? undefined
        : { start: at, end: at + single.content.length, id: single.id };
    }
    const pattern = this.pattern!;
    pattern.lastIndex = from;
    for (;;) {
      const m = pattern.exec(text);
      if (m === null || m.index + m[0].length > end) return undefined;
      const token = this.byContent.get(m[0])!;
      let start = m.index;
      let stop = start + m[0].length;
      if (
        token.singleWord &&
        (WORD_CHAR_BEFORE.test(text.slice(Math.max(from, start - 2), start)) ||
          WORD_CHAR_AFTER.test(text.slice(stop, Math.min(end, stop + 2))))
      ) {
        pattern.lastIndex = start + 1;
        continue;
      }
      if (token.lstrip) while (start > from && BMP_CLASS[text.charCodeAt(start - 1)] === SPACE) start--;
      if (token.rstrip) while (stop < end && BMP_CLASS[text.charCodeAt(stop)] === SPACE) stop++;
      return { start, end: stop, id: token.id };
    }
  }

  /** The first occurrence of any token's text, ignoring lstrip/rstrip/single_word (for the disallowed check). */
  findText(text: string): { index: number; content: string } | undefined {
    let best: { index: number; content: string } | undefined;
    for (const content of this.byContent.keys()) {
      const index = text.indexOf(content);
      if (index >= 0 && (best === undefined || index < best.index)) best = { index, content };
    }
    return best;
  }
}

/** What one encode call looks for: the tokens it matches and the texts it refuses. */
export interface SpecialPlan {
  /** Matches allowed special tokens and all non-special added tokens; undefined when there are none. */
  readonly matcher: AddedTokenMatcher | undefined;
  /** Finds disallowed special-token text; undefined when nothing is disallowed. */
  readonly disallowed: AddedTokenMatcher | undefined;
}

/** Turns allowedSpecial / disallowedSpecial into a {@link SpecialPlan}; remembers the default and 'all' plans. */
export class SpecialTokenPolicy {
  private readonly special: readonly AddedToken[];
  private readonly ordinary: readonly AddedToken[];
  private readonly plans = new Map<string, SpecialPlan>();

  constructor(readonly addedTokens: readonly AddedToken[]) {
    this.special = addedTokens.filter((t) => t.special);
    this.ordinary = addedTokens.filter((t) => !t.special);
  }

  /** The texts of the special tokens. */
  get specialTexts(): string[] {
    return this.special.map((t) => t.content);
  }

  /** Validates the options (once per call, at the boundary) and returns the plan. */
  plan(options: SpecialTokenOptions | undefined, method: string): SpecialPlan {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TokenizerError(
        'invalid_option',
        `${method}: options must be an object, found ${typeof options}.`,
      );
    }
    const allowed = this.resolve(options?.allowedSpecial, 'allowedSpecial', method, []) ?? [];
    const disallowed = this.resolve(options?.disallowedSpecial, 'disallowedSpecial', method, undefined);
    const disallowedTokens = (disallowed ?? this.special).filter((t) => !allowed.includes(t));
    const key = allowed.map((t) => t.id).join(',') + '|' + disallowedTokens.map((t) => t.id).join(',');
    let plan = this.plans.get(key);
    if (plan === undefined) {
      const matched = [...allowed, ...this.ordinary];
      plan = {
        matcher: matched.length > 0 ? new AddedTokenMatcher(matched) : undefined,
        disallowed: disallowedTokens.length > 0 ? new AddedTokenMatcher(disallowedTokens) : undefined,
      };
      // Keep a few plans (callers typically use one or two); custom sets beyond that are rebuilt per call.
      if (this.plans.size < 16) this.plans.set(key, plan);
    }
    return plan;
  }

  /** Throws 'disallowed_special' when the text contains disallowed special-token text. */
  check(plan: SpecialPlan, text: string, method: string): void {
    const hit = plan.disallowed?.findText(text);
    if (hit === undefined) return;
    const id = this.special.find((t) => t.content === hit.content)!.id;
    throw new TokenizerError(
      'disallowed_special',
      `${method}: the text contains the special token ${JSON.stringify(hit.content)} at index ${hit.index}, which is ` +
        `disallowed by default. Pass { allowedSpecial: new Set([${JSON.stringify(hit.content)}]) } (or 'all') to encode ` +
        `it as token ${id}, or { disallowedSpecial: new Set() } to encode it as plain text.`,
    );
  }

  private resolve(
    value: SpecialTokenSet | undefined,
    name: string,
    method: string,
    fallback: AddedToken[] | undefined,
  ): AddedToken[] | undefined {
    if (value === undefined) return fallback;
    if (value === 'all') return [...this.special];
    const texts = typeof value === 'string' ? undefined : value instanceof Set ? [...value] : value;
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) {
      throw new TokenizerError(
        'invalid_option',
        `${method}: ${name} must be 'all' or a Set (or array) of special-token strings, found ${typeof value === 'string' ? JSON.stringify(value) : typeof value}.`,
      );
    }
    return texts.map((text) => {
      const token = this.special.find((t) => t.content === text);
      if (token === undefined) {
        const known = this.special.map((t) => JSON.stringify(t.content)).join(', ') || 'none';
        throw new TokenizerError(
          'invalid_option',
          `${method}: ${name} names ${JSON.stringify(text)}, which is not a special token of this tokenizer (special tokens: ${known}).`,
        );
      }
      return token;
    });
  }
}
