// The command line: defaults, every option's parsing, and one-line errors naming the option and range.
import { describe, expect, it } from 'vitest';
import { DemoError } from '../src/errors.js';
import { DEFAULT_MAX_NEW_TOKENS, parseCliOptions } from '../src/options.js';

function errorOf(argv: string[]): DemoError {
  try {
    parseCliOptions(argv);
  } catch (e) {
    if (DemoError.isInstance(e)) return e;
    throw e;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('parseCliOptions', () => {
  it('takes the prompt from the positionals and fills the defaults', () => {
    const o = parseCliOptions(['Hello,', 'world']);
    expect(o.prompt).toBe('Hello, world');
    expect(o.maxNewTokens).toBe(DEFAULT_MAX_NEW_TOKENS);
    expect(o.backend).toBe('auto');
    expect(o.dtype).toBe('f32');
    expect(o.kvCache).toBe('f32');
    expect(o.greedy).toBe(false);
    expect(o.numReturnSequences).toBe(1);
    expect([o.temperature, o.topK, o.topP, o.repetitionPenalty, o.seed, o.model]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('leaves the prompt undefined without positionals (stdin is read later)', () => {
    expect(parseCliOptions(['--greedy']).prompt).toBeUndefined();
  });

  it('keeps a prompt with newlines and tabs exactly', () => {
    expect(parseCliOptions(['a\tb\n c ']).prompt).toBe('a\tb\n c ');
  });

  it('parses every option, long and short', () => {
    const o = parseCliOptions([
      '-m',
      'gpt2',
      '-n',
      '12',
      '-t',
      '0.7',
      '--top-k',
      '40',
      '--top-p',
      '0.9',
      '--repetition-penalty',
      '1.2',
      '-s',
      '42',
      '--num-return-sequences',
      '3',
      '-b',
      'webasm',
      '--dtype',
      'int8',
      '--kv-cache',
      'f16',
      '--json',
      '--config',
      '--summary',
      'x',
    ]);
    expect(o).toMatchObject({
      model: 'gpt2',
      maxNewTokens: 12,
      temperature: 0.7,
      topK: 40,
      topP: 0.9,
      repetitionPenalty: 1.2,
      seed: 42,
      numReturnSequences: 3,
      backend: 'webasm',
      dtype: 'int8',
      kvCache: 'f16',
      json: true,
      config: true,
      summary: true,
      prompt: 'x',
    });
  });

  it.each([
    [['--max-new-tokens', '0'], '--max-new-tokens must be an integer in [1, 1000000], got "0"'],
    [['--max-new-tokens', '2.5'], '--max-new-tokens must be an integer in [1, 1000000], got "2.5"'],
    [['--temperature', '0'], '--temperature must be a number in (0, 100], got "0"'],
    [['--temperature=-1'], '--temperature must be a number in (0, 100], got "-1"'],
    [['--top-k', 'many'], '--top-k must be an integer ≥ 0, got "many"'],
    [['--top-p', '1.5'], '--top-p must be a number in (0, 1], got "1.5"'],
    [['--repetition-penalty', 'NaN'], '--repetition-penalty must be a number in (0, 100], got "NaN"'],
    [['--seed', '-3'], '--seed has a value starting with "-": write it as --seed=VALUE (run gpt2js --help)'],
    [['--seed=4294967296'], '--seed must be an integer in [0, 4294967295], got "4294967296"'],
    [['--num-return-sequences', '0'], '--num-return-sequences must be an integer in [1, 64], got "0"'],
    [
      ['--backend', 'cuda'],
      '--backend must be one of auto, webgpu, webgl2, webgl, headlessgl, webasm, cpu, got "cuda"',
    ],
    [['--dtype', 'bf16'], '--dtype must be one of f32, f16, int8, got "bf16"'],
    [['--kv-cache', 'int8'], '--kv-cache must be one of f32, f16, got "int8"'],
    [['--model', ''], '--model must be a local directory, a URL or a hub id, got ""'],
    [['--max-new-tokens'], '--max-new-tokens needs a value (run gpt2js --help)'],
    [['--greedy=yes'], '--greedy takes no value (run gpt2js --help)'],
  ])('rejects %j with one line naming the option and the range', (argv, message) => {
    const e = errorOf(argv);
    expect(e.message).toBe(message);
    expect(e.code).toBe('bad_option');
    expect(e.message).not.toContain('\n');
  });

  it('rejects unknown options by name', () => {
    const e = errorOf(['--temp', '1']);
    expect(e.code).toBe('unknown_option');
    expect(e.message).toBe('unknown option --temp (run gpt2js --help for the list)');
    expect(errorOf(['-x']).message).toBe('unknown option -x (run gpt2js --help for the list)');
  });

  it('refuses sampling options and several sequences with --greedy', () => {
    expect(errorOf(['--greedy', '--top-k', '5']).message).toBe(
      '--greedy picks the most likely token, so --top-k has no effect: drop one of them',
    );
    expect(errorOf(['--greedy', '--num-return-sequences', '2']).code).toBe('usage');
  });
});
