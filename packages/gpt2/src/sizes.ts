// The published GPT-2 sizes (nanoGPT's `config_args`): the architecture fields of each hub config.json.

/** Names accepted by `GPT2Config.preset`. */
export type PresetName = 'gpt2' | 'gpt2-medium' | 'gpt2-large' | 'gpt2-xl' | 'distilgpt2';

const TEXT_GENERATION = { 'text-generation': { do_sample: true, max_length: 50 } };

const base = (n_layer: number, n_head: number, n_embd: number) => ({
  architectures: ['GPT2LMHeadModel'],
  n_ctx: 1024,
  n_positions: 1024,
  vocab_size: 50257,
  n_layer,
  n_head,
  n_embd,
  task_specific_params: TEXT_GENERATION,
});

/** Architecture of each preset (parameters: 124M, 355M, 774M, 1.5B, 82M). */
export const PRESETS: Readonly<Record<PresetName, Record<string, unknown>>> = Object.freeze({
  gpt2: base(12, 12, 768),
  'gpt2-medium': base(24, 16, 1024),
  'gpt2-large': base(36, 20, 1280),
  'gpt2-xl': base(48, 25, 1600),
  distilgpt2: { ...base(6, 12, 768) },
});
