// The text of `gpt2js --help`: every option with its default and allowed range.
import { BACKENDS, DEFAULT_MAX_NEW_TOKENS, DTYPES, KV_CACHE_DTYPES } from './options.js';

/** The help text printed by `gpt2js --help`. */
export function helpText(version: string): string {
  return `gpt2js ${version}: generate text with GPT-2 in JavaScript (GPU.js kernels), and look inside it.

Usage:
  gpt2js [options] "<prompt>"        the prompt as an argument
  echo "<prompt>" | gpt2js [options] or on stdin (kept exactly: newlines and tabs too)
  gpt2js --config | --summary        print the model's config or module tree

Model:
  -m, --model <dir|url|id>    local directory, http(s) base URL or Hugging Face hub id
                              (gpt2, distilgpt2, owner/name); default: the embedded gpt2-tiny
  -b, --backend <name>        ${BACKENDS.join(' | ')} (default auto: the fastest available)
      --dtype <type>          weight storage: ${DTYPES.join(' | ')} (default f32)
      --kv-cache <type>       key/value cache storage: ${KV_CACHE_DTYPES.join(' | ')} (default f32; f16 halves
                              its memory on webasm, other backends keep f32)

Generation (default: sampling with the model's generation_config, else temperature 1, top-k 50):
  -n, --max-new-tokens <n>    integer ≥ 1 (default ${DEFAULT_MAX_NEW_TOKENS}; lowered to fit the context, with a note)
      --greedy                always take the most likely token (no sampling)
  -t, --temperature <x>       number in (0, 100]
      --top-k <k>             integer ≥ 0 (0 keeps every token)
      --top-p <p>             number in (0, 1]
      --repetition-penalty <x> number in (0, 100] (1 = none)
  -s, --seed <n>              integer in [0, 4294967295]: the same seed gives the same text
      --num-return-sequences <n> integer in [1, 64] (sampling only)

Output:
      --json                  one JSON object: prompt_ids, generated_ids, generated_text, prompt_logprob,
                              steps (20 highest raw logits per step), backend, timings
      --config                print the GPT2Config as Hugging Face prints it
      --summary               print the module tree and parameter counts
  -h, --help                  this text
  -v, --version               the version

Text goes to stdout as it is generated; loading progress and timings go to stderr.
Environment: HF_TOKEN, HF_HOME, HF_HUB_CACHE, HF_ENDPOINT, HF_HUB_OFFLINE=1, GPT2JS_BACKEND.
`;
}
