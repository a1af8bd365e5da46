// Vite config of the demo page (web/ → web-dist/). The embedded model is served from the page's own
// origin: streamed from the repository's models/gpt2-tiny in dev, copied into web-dist/ on build.
// COOP/COEP headers make the page cross-origin isolated, so webasm can use threads.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
// @ts-expect-error plain ESM script without type declarations
import { copyEmbeddedModel, EMBEDDED_MODEL_DIR, EMBEDDED_MODEL_FILES } from './scripts/embedded-model.mjs';

/** Headers for cross-origin isolation (SharedArrayBuffer, webasm threads). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const MODEL_PREFIX = '/models/gpt2-tiny/';

function embeddedModel(): Plugin {
  let outDir = '';
  let building = false;
  return {
    name: 'gpt2js-embedded-model',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
      building = config.command === 'build';
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0];
        if (!path.startsWith(MODEL_PREFIX)) return next();
        const file = decodeURIComponent(path.slice(MODEL_PREFIX.length));
        if (!(EMBEDDED_MODEL_FILES as string[]).includes(file)) return next();
        const full = join(EMBEDDED_MODEL_DIR as string, file);
        if (!existsSync(full)) return next();
        res.setHeader('Content-Length', String(statSync(full).size));
        res.setHeader(
          'Content-Type',
          file.endsWith('.json') ? 'application/json' : 'application/octet-stream',
        );
        for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
        createReadStream(full).pipe(res);
      });
    },
    closeBundle() {
      if (building) copyEmbeddedModel(join(outDir, 'models', 'gpt2-tiny'));
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: './',
  plugins: [embeddedModel()],
  build: { outDir: '../web-dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000 },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  worker: { format: 'es' },
});
