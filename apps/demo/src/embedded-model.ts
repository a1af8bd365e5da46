// Finds the embedded default model (gpt2-tiny) from the CLI's own file: first `models/gpt2-tiny`
// inside the installed package (copied there by `prepack`), then the repository's `models/gpt2-tiny`
// found by walking up from dist/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The embedded model's folder name. */
export const EMBEDDED_MODEL = 'gpt2-tiny';

/**
 * The absolute path of the embedded model, or undefined when neither the package copy nor the
 * repository copy exists.
 */
export function findEmbeddedModel(
  from: string = dirname(fileURLToPath(import.meta.url)),
): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'models', EMBEDDED_MODEL);
    if (existsSync(join(candidate, 'config.json')) && existsSync(join(candidate, 'model.safetensors'))) {
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
