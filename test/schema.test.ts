import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { schemaSdl } from '../src/main.js';

describe('committed GraphQL SDL', () => {
  it('matches what the code generates (run `npm run schema:emit` and commit)', async () => {
    const committed = await readFile(new URL('../schema/schema.graphql', import.meta.url), 'utf8');
    expect(await schemaSdl()).toBe(committed);
  });
});
