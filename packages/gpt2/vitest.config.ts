import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'gpt2', include: ['test/**/*.test.ts'], testTimeout: 60_000 },
});
