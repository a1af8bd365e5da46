// Builds the benchmark page (page/ → a folder the server serves) with Vite's JS API. Vite resolves
// '@gpt2js/gpt2' from bench/node_modules with the browser conditions, so @gpt2js/hub's browser entry (fetch
// and the Cache API) and gpu.js's browser build are bundled: the page runs the packages' built dist/.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'page');

/** Builds into `outDir` (emptied first). */
export async function buildPage(outDir) {
  await build({
    configFile: false,
    root: PAGE_DIR,
    base: './',
    logLevel: 'warn',
    // the bundle holds gpu.js and every kernel source: one large chunk is expected, not a warning
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4000 },
    worker: { format: 'es' },
  });
}
