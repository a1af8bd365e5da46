// The benchmark texts, generated deterministically (same bytes on every machine and run):
// ~1 MB of English prose and ~1 MB of mixed-script text.
//
// English: sentences of words drawn with a Zipf law (s = 1.07) over the ~20,000 lower-case whole-word
// entries of GPT-2's vocabulary in id order (roughly frequency order), 12% of them inflected
// (-s, -ed, -ing, -ly, -ness, -ation, -ers) so that many split into several tokens; capitals, commas,
// quotes, numbers, contractions and paragraph breaks at English-like rates.
// Mixed: paragraphs of English, Chinese, Japanese, Korean, Russian, Arabic, Hindi, Greek, emoji-laden
// chat, source code and numeric tables, each drawn from the common part of its script.

/** mulberry32 */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)];

/** Zipf sampler over ranks 0…n−1. */
function zipf(n: number, s: number): (r: Rand) => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / (k + 1) ** s;
    cdf[k] = sum;
  }
  return (r) => {
    const x = r() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const SUFFIXES = ['s', 'ed', 'ing', 'ly', 'ness', 'ation', 'ers', 'ment', 'able'];
const CONTRACTIONS = ["'s", "n't", "'re", "'ve", "'ll", "'d", "'m"];

/** ~targetBytes of English prose from the vocabulary's whole words (vocab: token string → id). */
export function englishText(vocab: Record<string, number>, targetBytes = 1_000_000): string {
  const words = Object.entries(vocab)
    .filter(([t]) => /^Ġ[a-z]{1,14}$/.test(t))
    .sort((a, b) => a[1] - b[1])
    .map(([t]) => t.slice(1));
  const draw = zipf(words.length, 1.07);
  const r = rng(1);
  const parts: string[] = [];
  let bytes = 0;
  while (bytes < targetBytes) {
    let paragraph = '';
    const sentences = 2 + Math.floor(r() * 6);
    for (let s = 0; s < sentences; s++) {
      const n = 5 + Math.floor(r() * 22);
      let sentence = '';
      for (let i = 0; i < n; i++) {
        let w = words[draw(r)];
        if (r() < 0.12) w += pick(r, SUFFIXES);
        if (i === 0) w = w[0].toUpperCase() + w.slice(1);
        else if (r() < 0.04) w = w[0].toUpperCase() + w.slice(1);
        if (r() < 0.015) w = String(Math.floor(r() * (r() < 0.5 ? 100 : 100_000)));
        if (r() < 0.02) w += pick(r, CONTRACTIONS);
        sentence += (i > 0 ? ' ' : '') + w;
        if (i < n - 1 && r() < 0.07) sentence += pick(r, [',', ',', ',', ';', ' —', ':']);
      }
      if (r() < 0.05) sentence = `"${sentence}"`;
      paragraph += (s > 0 ? ' ' : '') + sentence + pick(r, ['.', '.', '.', '.', '?', '!']);
    }
    parts.push(paragraph);
    bytes += paragraph.length + 2;
  }
  return parts.join('\n\n');
}

const SCRIPTS: Record<string, { ranges: [number, number][]; space: boolean; punct: string[] }> = {
  chinese: {
    ranges: [
      [0x4e00, 0x5fff],
      [0x4e00, 0x4fff],
      [0x6000, 0x7fff],
    ],
    space: false,
    punct: ['，', '。', '、', '；'],
  },
  japanese: {
    ranges: [
      [0x3041, 0x3093],
      [0x3041, 0x3093],
      [0x30a1, 0x30f3],
      [0x4e00, 0x5fff],
    ],
    space: false,
    punct: ['、', '。'],
  },
  korean: {
    ranges: [
      [0xac00, 0xb2e4],
      [0xb2e4, 0xc544],
      [0xc544, 0xd7a3],
    ],
    space: true,
    punct: ['.', ','],
  },
  russian: {
    ranges: [
      [0x0430, 0x044f],
      [0x0430, 0x044f],
      [0x0410, 0x042f],
    ],
    space: true,
    punct: ['.', ',', '—'],
  },
  arabic: { ranges: [[0x0627, 0x064a]], space: true, punct: ['،', '.', '؟'] },
  hindi: {
    ranges: [
      [0x0905, 0x0939],
      [0x0915, 0x0939],
      [0x093e, 0x094d],
    ],
    space: true,
    punct: ['।', ','],
  },
  greek: {
    ranges: [
      [0x03b1, 0x03c9],
      [0x0391, 0x03a9],
    ],
    space: true,
    punct: ['.', ',', ';'],
  },
};
const EMOJI = [
  '😀',
  '😂',
  '🥲',
  '❤️',
  '👍',
  '👍🏽',
  '👩‍💻',
  '👨‍👩‍👧‍👦',
  '🏳️‍🌈',
  '🇯🇵',
  '🔥',
  '✨',
  '🙏🏿',
  '🤔',
  '🎉',
];
const CODE = [
  'const value = items.map((x) => x * 2);',
  'if (err != nil) {\n\treturn fmt.Errorf("read %s: %w", path, err)\n}',
  'def forward(self, x):\n    return self.proj(F.gelu(self.fc(x)))',
  'for (let i = 0; i < n; i++) sum += a[i] * b[i];',
  '#include <stdio.h>\nint main(void) { printf("%d\\n", 42); }',
  'SELECT id, name FROM users WHERE created_at > NOW() - INTERVAL 7 DAY;',
];

/** Words of `length` characters drawn from a script's ranges (earlier ranges = commoner characters). */
function scriptRun(r: Rand, ranges: [number, number][], length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const [lo, hi] = ranges[Math.floor(r() ** 1.5 * ranges.length)];
    // Skew toward the start of the range: common characters repeat, as in real text.
    s += String.fromCodePoint(lo + Math.floor(r() ** 2.2 * (hi - lo + 1)));
  }
  return s;
}

/** ~targetBytes of mixed-script text (English paragraphs from `englishText`). */
export function mixedText(english: string, targetBytes = 1_000_000): string {
  const r = rng(2);
  const englishParagraphs = english.split('\n\n');
  const encoder = new TextEncoder();
  const parts: string[] = [];
  let bytes = 0;
  while (bytes < targetBytes) {
    const kind = r();
    let p = '';
    if (kind < 0.2) p = pick(r, englishParagraphs);
    else if (kind < 0.75) {
      const script = SCRIPTS[pick(r, Object.keys(SCRIPTS))];
      const words = 8 + Math.floor(r() * 40);
      for (let i = 0; i < words; i++) {
        const word = scriptRun(r, script.ranges, 1 + Math.floor(r() * (script.space ? 8 : 4)));
        p += (i > 0 && script.space ? ' ' : '') + word;
        if (r() < 0.12) p += pick(r, script.punct);
        if (r() < 0.02) p += ' ' + String(Math.floor(r() * 2025));
      }
    } else if (kind < 0.87) {
      const n = 4 + Math.floor(r() * 12);
      for (let i = 0; i < n; i++)
        p +=
          pick(r, englishParagraphs).split(' ').slice(0, 3).join(' ') +
          ' ' +
          pick(r, EMOJI) +
          (r() < 0.5 ? ' ' : '');
    } else if (kind < 0.95) {
      const n = 2 + Math.floor(r() * 5);
      for (let i = 0; i < n; i++) p += pick(r, CODE) + '\n';
    } else {
      const n = 3 + Math.floor(r() * 6);
      for (let i = 0; i < n; i++)
        p += `| ${Math.floor(r() * 1e4)} | ${(r() * 100).toFixed(2)}% | ${(r() * 1e6).toFixed(0)} |\n`;
    }
    parts.push(p);
    bytes += encoder.encode(p).length + 2;
  }
  return parts.join('\n\n');
}
