import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { schemaSdl } from '../main.js';

/** Regenerates schema/schema.graphql from the code (commit the result). */
const sdl = await schemaSdl();
await writeFile(new URL('../../../schema/schema.graphql', import.meta.url), sdl);
process.stdout.write(`schema/schema.graphql written (${sdl.length} bytes)\n`);
