import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'tensor',
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup-no-fma.ts'],
    testTimeout: 60_000,
  },
});
