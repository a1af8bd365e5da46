// One vitest run over every package: each project keeps its own vitest.config.ts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tests'],
    // Model loads and kernel compiles share 2 cores in CI: keep files in parallel, but not too many.
    maxWorkers: 2,
  },
});
