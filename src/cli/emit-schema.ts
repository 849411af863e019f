import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { printSchemaSdl } from '../schema/index.js';

/** Regenerates schema/schema.graphql from the code (commit the result). */
const sdl = await printSchemaSdl();
await writeFile(new URL('../../../schema/schema.graphql', import.meta.url), sdl);
process.stdout.write(`schema/schema.graphql written (${sdl.length} bytes)\n`);
