import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepStaleScratch } from '../../src/simulate/world.js';

describe('the simulator scratch directories', () => {
  let root: string;
  afterAll(async () => rm(root, { recursive: true, force: true }));

  it('removes those of a run that died, and keeps the living, the unowned and anything else', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'scratch-sweep-'));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const make = async (name: string, owner?: number) => {
      const dir = path.join(root, name);
      await mkdir(path.join(dir, 'pg'), { recursive: true });
      if (owner !== undefined) await writeFile(path.join(dir, 'owner.pid'), String(owner));
      return dir;
    };
    const killed = await make('refunds-simulate-dead', dead);
    const running = await make('refunds-simulate-live', process.pid);
    const unowned = await make('refunds-simulate-old');
    const other = await make('something-else', dead);

    expect(await sweepStaleScratch(root)).toEqual([killed]);
    expect(existsSync(killed)).toBe(false);
    for (const kept of [running, unowned, other]) expect(existsSync(kept)).toBe(true);
  });
});
