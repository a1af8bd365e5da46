// Repo ids: the short aliases transformers accepts for the original GPT-2 checkpoints, mapped to the
// namespaces they now live under on the hub. Shared by the Node and browser entries.

import { validateRepoId } from './names.js';

const ALIASES: Readonly<Record<string, string>> = {
  gpt2: 'openai-community/gpt2',
  'gpt2-medium': 'openai-community/gpt2-medium',
  'gpt2-large': 'openai-community/gpt2-large',
  'gpt2-xl': 'openai-community/gpt2-xl',
  distilgpt2: 'distilbert/distilgpt2',
};

/**
 * Maps a short alias to its canonical repo id and validates the result (HubError `invalid_name`).
 *
 * @example
 * ```ts
 * resolveRepoId('gpt2'); // 'openai-community/gpt2'
 * resolveRepoId('my-org/my-model'); // 'my-org/my-model'
 * ```
 */
export function resolveRepoId(id: string): string {
  const canonical = typeof id === 'string' && Object.hasOwn(ALIASES, id) ? ALIASES[id] : id;
  return validateRepoId(canonical);
}
