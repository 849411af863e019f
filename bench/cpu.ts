/**
 * CPU time by role, from the kernel's own accounts (/proc, Linux): where a benchmark's machine time
 * goes. On a machine the benchmark saturates, throughput is CPU per unit of work, so these figures
 * explain a ratio to pgbench: both sides spend the same cores.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/** Kernel clock ticks per second (USER_HZ), for /proc's times. */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  readonly ppid: number;
  /** utime + stime, ms. */
  readonly own: number;
  /** cutime + cstime: children that exited and were waited for, ms. */
  readonly reaped: number;
}

function stat(pid: number | 'self'): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ms = (i: number) => (Number(f[i]) * 1000) / TICKS;
    return { ppid: Number(f[1]), own: ms(11) + ms(12), reaped: ms(13) + ms(14) };
  } catch {
    return undefined;
  }
}

/** CPU ms of a process and all its descendants, living or exited (and waited for) so far. */
export function treeCpuMs(root: number): number | undefined {
  const top = stat(root);
  if (top === undefined) return undefined;
  const children = new Map<number, number[]>();
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)) {
    const s = stat(entry);
    if (s === undefined) continue;
    stats.set(entry, s);
    children.set(s.ppid, [...(children.get(s.ppid) ?? []), entry]);
  }
  let total = top.own + top.reaped;
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    const s = stats.get(pid)!;
    total += s.own + s.reaped;
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** CPU ms of children this process has waited for (pgbench runs, for instance). */
export function reapedChildrenCpuMs(): number {
  return stat('self')?.reaped ?? 0;
}

/**
 * The postmaster's pid when the server runs on this machine and its data directory is readable
 * (embedded PostgreSQL, a local server as root); undefined otherwise.
 */
export async function postmasterPid(adminUrl: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ dir: string }>(`select current_setting('data_directory') as dir`);
    const pid = Number(readFileSync(path.join(rows[0]!.dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && stat(pid) !== undefined ? pid : undefined;
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}

/** CPU ms per role over one measured stretch. */
export type CpuByRole = Record<string, number>;

/** Adds b's figures to a's, role by role. */
export function addCpu(a: CpuByRole, b: CpuByRole): CpuByRole {
  const out: CpuByRole = { ...a };
  for (const [role, ms] of Object.entries(b)) out[role] = (out[role] ?? 0) + ms;
  return out;
}

/**
 * Samples named CPU counters (cumulative ms) at start and at stop; the differences by name. A counter
 * that cannot be read (not Linux, a remote server) is left out.
 */
export function cpuMeter(counters: Record<string, () => number | undefined>): () => CpuByRole {
  const start = Object.fromEntries(Object.entries(counters).map(([name, read]) => [name, read()]));
  return () => {
    const out: CpuByRole = {};
    for (const [name, read] of Object.entries(counters)) {
      const before = start[name];
      const after = read();
      if (before !== undefined && after !== undefined) out[name] = after - before;
    }
    return out;
  };
}

export function totalCpuMs(cpu: CpuByRole): number {
  return Object.values(cpu).reduce((sum, ms) => sum + ms, 0);
}

/** "api 1.10 + PostgreSQL 0.95 = 2.05 ms" for CPU ms per unit of work. */
export function describeCpu(cpu: CpuByRole, units: number): string {
  const parts = Object.entries(cpu).map(([role, ms]) => `${role} ${(ms / units).toFixed(2)}`);
  return `${parts.join(' + ')} = ${(totalCpuMs(cpu) / units).toFixed(2)} ms`;
}
