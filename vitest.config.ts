import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // type-graphql is loaded through its CommonJS build; make every import of `graphql` hit the same
    // CommonJS instance, otherwise "Cannot use GraphQLSchema from another module or realm".
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    include: ['src/**/*.spec.ts', 'reconciliation/**/*.spec.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    setupFiles: ['reflect-metadata'],
    // expect.poll gives up after 1 s by default: too short for a page or a job on a loaded 2-core
    // machine. Polls return as soon as they pass, so a longer limit costs only failing runs.
    expect: { poll: { timeout: 10_000 } },
    globalSetup: ['test/support/global-setup.ts'],
  },
});
