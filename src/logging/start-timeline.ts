/**
 * Where a start's time goes: each step's wall time and the process's CPU time, both since Node
 * started. Recorded always (a dozen steps), printed to stderr once ready when START_TIMELINE=true
 * (`docs/performance.md` reads it).
 */
const steps: { name: string; atMs: number; cpuMs: number }[] = [];

export function startStep(name: string): void {
  const cpu = process.cpuUsage();
  steps.push({ name, atMs: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000 });
}

export function formatStartTimeline(): string {
  const lines = steps.map(({ name, atMs, cpuMs }, i) => {
    const since = i === 0 ? atMs : atMs - steps[i - 1]!.atMs;
    return `${atMs.toFixed(0).padStart(6)} ms  cpu ${cpuMs.toFixed(0).padStart(5)} ms  +${since.toFixed(0).padStart(4)}  ${name}`;
  });
  return `start timeline (since Node started):\n${lines.join('\n')}\n`;
}
