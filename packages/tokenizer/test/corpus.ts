// A deterministic conformance corpus (≥ 100,000 strings) built from a seeded PRNG: English prose, source
// code, many scripts, emoji sequences, numbers, whitespace runs, contractions in every case, mixtures,
// and fast-check's random Unicode strings (code points, raw UTF-16 units with lone surrogates, and
// strings assembled from tricky fragments).

import fc from 'fast-check';
import { rng } from './helpers.js';

const WORDS = (
  'the of and to in is was that for it as with be on not he by are this at from his but have an they which ' +
  'one you were her all she there would their we him been has when who will more no if out so said what up ' +
  'its about into than them can only other new some could time these two may then do first any my now such ' +
  'like our over man me even most made after also did many before must through back years where much your ' +
  'way well down should because each just those people how too little state good very make world still own ' +
  'see men work long get here between both life being under never day same another know while last might us ' +
  'great old year off come since against go came right used take three language model Debian project UNIX ' +
  'system computer program learning tokenizer encoding Unicode international naïve café résumé coöperate ' +
  'Straße façade jalapeño über señor déjà vu Zürich Ångström Hello World OpenAI GPT JavaScript TypeScript'
).split(' ');
const PUNCT = [
  '.',
  ',',
  ';',
  ':',
  '!',
  '?',
  '…',
  '—',
  '–',
  '-',
  '"',
  '“',
  '”',
  "'",
  '‘',
  '’',
  '(',
  ')',
  '[',
  ']',
];
const CODE = [
  'function',
  'return',
  'const',
  'let',
  'var',
  'if',
  'else',
  'for',
  'while',
  'def',
  'class',
  'import',
  'from',
  'self',
  'this',
  'null',
  'None',
  'true',
  'false',
  '=>',
  '===',
  '!==',
  '+=',
  '->',
  '::',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ';',
  ',',
  '.',
  '<',
  '>',
  '&&',
  '||',
  '/*',
  '*/',
  '//',
  '#',
  '"',
  "'",
  '`',
  '${',
  '0x1F',
  '42',
  '3.14',
  'foo_bar',
  'camelCase',
  'snake_case',
  'SCREAMING_CASE',
  'printf("%d\\n", x)',
  '@decorator',
  '#include',
  '<stdio.h>',
  'std::vector<int>',
  'async',
  'await',
  'yield',
  'lambda x: x**2',
  'i++',
  '--j',
  '~x',
  '^',
  '%',
];
const CJK: [number, number][] = [
  [0x4e00, 0x9fff],
  [0x3040, 0x309f],
  [0x30a0, 0x30ff],
  [0xac00, 0xd7a3],
  [0x3400, 0x4dbf],
  [0x20000, 0x2a6df],
];
const SCRIPTS: Record<string, [number, number][]> = {
  arabic: [
    [0x0621, 0x064a],
    [0x064b, 0x0652],
    [0x0660, 0x0669],
  ],
  devanagari: [
    [0x0905, 0x0939],
    [0x093e, 0x094d],
    [0x0966, 0x096f],
  ],
  cyrillic: [[0x0410, 0x044f]],
  greek: [[0x0391, 0x03c9]],
  hebrew: [
    [0x05d0, 0x05ea],
    [0x05b0, 0x05bc],
  ],
  thai: [
    [0x0e01, 0x0e3a],
    [0x0e40, 0x0e4e],
  ],
  tamil: [
    [0x0b85, 0x0bb9],
    [0x0bbe, 0x0bcd],
  ],
  georgian: [[0x10d0, 0x10fa]],
  armenian: [
    [0x0531, 0x0556],
    [0x0561, 0x0587],
  ],
};
const EMOJI = [
  '😀',
  '😂',
  '🥲',
  '❤️',
  '👍',
  '👍🏻',
  '👍🏽',
  '👍🏿',
  '👩‍💻',
  '👨‍👩‍👧‍👦',
  '🏳️‍🌈',
  '🇺🇸',
  '🇯🇵',
  '🇪🇺',
  '1️⃣',
  '#️⃣',
  '🧑🏾‍🚀',
  '👩🏼‍❤️‍💋‍👨🏽',
  '🫠',
  '☕',
  '✨',
  '🔥',
  '♀️',
  '©️',
  '™',
  '🀄',
  '🂡',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '𝟘𝟙𝟚',
];
const SPACES = [
  ' ',
  '  ',
  '   ',
  '\t',
  '\n',
  '\n\n',
  '\r\n',
  '\u00a0',
  '\u3000',
  '\u2028',
  '\u0085',
  '\ufeff',
  '\v',
  '\f',
  '\u2003',
];
const CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

type Rand = () => number;
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)];
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const fromRanges = (r: Rand, ranges: readonly (readonly [number, number])[]): string => {
  const [lo, hi] = pick(r, ranges);
  return String.fromCodePoint(int(r, lo, hi));
};
const capitalize = (w: string): string => w[0].toUpperCase() + w.slice(1);

function prose(r: Rand): string {
  let s = '';
  const n = int(r, 1, 30);
  for (let i = 0; i < n; i++) {
    let w = pick(r, WORDS);
    if (i === 0 || r() < 0.08) w = capitalize(w);
    if (r() < 0.03) w = w.toUpperCase();
    s += (i > 0 ? ' ' : '') + w;
    if (r() < 0.15) s += pick(r, PUNCT);
  }
  if (r() < 0.3) s += pick(r, ['.', '!', '?', '."', '...']);
  if (r() < 0.1) s = ' ' + s;
  return s;
}

function code(r: Rand): string {
  let s = '';
  const lines = int(r, 1, 6);
  for (let l = 0; l < lines; l++) {
    const depth = int(r, 0, 3);
    s += r() < 0.3 ? '\t'.repeat(depth) : '    '.repeat(depth);
    const n = int(r, 1, 10);
    for (let i = 0; i < n; i++) s += pick(r, CODE) + (r() < 0.6 ? ' ' : '');
    s += r() < 0.1 ? '  \n' : '\n';
  }
  return r() < 0.5 ? s : s.trimEnd();
}

function script(r: Rand): string {
  const kind = r();
  let s = '';
  const n = int(r, 1, 12);
  for (let i = 0; i < n; i++) {
    if (kind < 0.35) {
      const len = int(r, 1, 12);
      for (let k = 0; k < len; k++) s += fromRanges(r, CJK);
      if (r() < 0.3) s += pick(r, ['。', '、', '！', '？', '「', '」', ' ']);
    } else {
      const ranges = SCRIPTS[pick(r, Object.keys(SCRIPTS))];
      const len = int(r, 1, 10);
      let w = '';
      for (let k = 0; k < len; k++) w += fromRanges(r, ranges);
      s += (i > 0 ? ' ' : '') + w;
      if (r() < 0.1) s += pick(r, PUNCT);
    }
  }
  return s;
}

function emoji(r: Rand): string {
  let s = '';
  const n = int(r, 1, 8);
  for (let i = 0; i < n; i++) {
    s += pick(r, EMOJI);
    if (r() < 0.3) s += ' ';
    if (r() < 0.2) s += pick(r, WORDS);
  }
  return s;
}

function numbers(r: Rand): string {
  const forms = [
    () => String(int(r, 0, 10 ** int(r, 1, 12))),
    () => (r() * 1e6).toFixed(int(r, 0, 6)),
    () => int(r, 1, 999_999_999).toLocaleString('en-US'),
    () =>
      `${int(r, 1900, 2099)}-${String(int(r, 1, 12)).padStart(2, '0')}-${String(int(r, 1, 28)).padStart(2, '0')}`,
    () => `+1 (${int(r, 200, 999)}) ${int(r, 200, 999)}-${int(r, 1000, 9999)}`,
    () => `${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 0, 255)}`,
    () => '١٢٣٤٥٦٧٨٩٠'.slice(0, int(r, 1, 10)),
    () => '０１２３４５６７８９'.slice(0, int(r, 1, 10)),
    () => pick(r, ['½', '¾', '²', '³', 'Ⅻ', 'ⅷ', '①', '⑳', '𝟗', '៣', '໓']),
    () => `${int(r, 1, 99)}%`,
    () => `$${(r() * 1000).toFixed(2)}`,
    () => `1e${int(r, -30, 30)}`,
  ];
  let s = '';
  const n = int(r, 1, 6);
  for (let i = 0; i < n; i++) s += (i > 0 ? pick(r, [' ', ', ', '; ', '/', '']) : '') + pick(r, forms)();
  return s;
}

function whitespace(r: Rand): string {
  let s = '';
  const n = int(r, 1, 10);
  for (let i = 0; i < n; i++) {
    const run = int(r, 1, 5);
    for (let k = 0; k < run; k++) s += pick(r, SPACES);
    if (r() < 0.7) s += pick(r, [...WORDS, ...PUNCT, '1', '😀', "'s"]);
  }
  if (r() < 0.5) s += pick(r, SPACES).repeat(int(r, 1, 6));
  return s;
}

function contraction(r: Rand): string {
  let s = '';
  const n = int(r, 1, 6);
  for (let i = 0; i < n; i++) {
    let c = pick(r, CONTRACTIONS);
    c = [...c].map((ch) => (r() < 0.5 ? ch.toUpperCase() : ch)).join('');
    const w = pick(r, WORDS);
    s +=
      pick(r, ['', ' ', '  ', '!', '\n']) +
      pick(r, [w, w.toUpperCase(), '']) +
      c +
      pick(r, ['', 'x', ' ', '.', "'", 's']);
  }
  return s;
}

function mixed(r: Rand): string {
  const parts = [prose, code, script, emoji, numbers, whitespace, contraction];
  let s = '';
  const n = int(r, 2, 3);
  for (let i = 0; i < n; i++) s += pick(r, parts)(r);
  return s;
}

const FRAGMENTS = [
  ' ',
  '  ',
  '\n',
  '\t',
  '\r',
  '\u0085',
  '\ufeff',
  '\u00a0',
  '\u3000',
  "'",
  "'s",
  "'S",
  "'ll",
  "'LL",
  "'re",
  "'ve",
  'a',
  'Z',
  'é',
  'ß',
  'ǅ',
  '中',
  'ك',
  'क',
  'ि',
  '1',
  '٣',
  '½',
  'Ⅻ',
  '!',
  '.',
  '_',
  '-',
  '😀',
  '🏽',
  '\u200d',
  '\ud800',
  '\udc00',
  '\u0301',
  '\u0000',
  '\u007f',
  '<|endoftext',
  '|>',
  'Ġ',
  '€',
  '\uffff',
  '\u{10ffff}',
];

/** fast-check arbitraries whose samples join the corpus. */
export const RANDOM_STRINGS = {
  codePoints: fc.string({ unit: 'binary', maxLength: 40 }),
  utf16Units: fc.string({
    unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    maxLength: 30,
  }),
  fragments: fc.string({ unit: fc.constantFrom(...FRAGMENTS), maxLength: 25 }),
  graphemes: fc.string({ unit: 'grapheme', maxLength: 30 }),
};

/** Case counts per generator; the total is ≥ 100,000. */
export const CORPUS_PLAN = {
  prose: 24_000,
  code: 10_000,
  script: 16_000,
  emoji: 8_000,
  numbers: 8_000,
  whitespace: 8_000,
  contraction: 8_000,
  mixed: 6_000,
  codePoints: 4_000,
  utf16Units: 4_000,
  fragments: 4_000,
  graphemes: 2_000,
};

/** The corpus for `seed`, grouped by generator name; `scale` < 1 gives a proportionally smaller one. */
export function buildCorpus(seed: number, scale = 1): Map<string, string[]> {
  const r = rng(seed);
  const generators: Record<string, (r: Rand) => string> = {
    prose,
    code,
    script,
    emoji,
    numbers,
    whitespace,
    contraction,
    mixed,
  };
  const corpus = new Map<string, string[]>();
  for (const [name, planned] of Object.entries(CORPUS_PLAN)) {
    const count = Math.ceil(planned * scale);
    const gen = generators[name];
    if (gen !== undefined) {
      corpus.set(
        name,
        Array.from({ length: count }, () => gen(r)),
      );
    } else {
      const arb = RANDOM_STRINGS[name as keyof typeof RANDOM_STRINGS];
      corpus.set(name, fc.sample(arb, { seed: seed + name.length, numRuns: count }));
    }
  }
  return corpus;
}
