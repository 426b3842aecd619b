/**
 * CPU accounting from /proc (Linux), to tell the bench's own load from everybody else's on a
 * shared machine: `foreign = all busy CPU time − the CPU time of the bench's processes`. Elsewhere
 * every function returns undefined and the report says "not measured".
 */
import { readFileSync } from 'node:fs';

/** Kernel ticks are USER_HZ = 100 per second on every Linux this runs on. */
const US_PER_TICK = 10_000;

/** Busy CPU time of the whole machine since boot, µs (user+nice+system+irq+softirq+steal). */
export function machineBusyUs(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    return ((f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0)) * US_PER_TICK;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) of one process, µs; undefined when it is gone or /proc is absent. */
export function processCpuUs(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces: fields are counted after its closing parenthesis.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * US_PER_TICK;
  } catch {
    return undefined;
  }
}

export interface CpuMark {
  at: number;
  busy: number | undefined;
  ours: number;
}

/** A snapshot of the machine's busy time and the bench processes' (`pids` plus this one). */
export function cpuMark(pids: readonly number[]): CpuMark {
  const self = process.cpuUsage();
  let ours = self.user + self.system;
  for (const p of pids) ours += processCpuUs(p) ?? 0;
  return { at: performance.now(), busy: machineBusyUs(), ours };
}

/** CPU used by processes that are not the bench's between two marks, % of one core. */
export function foreignCpu(a: CpuMark, b: CpuMark): number | undefined {
  if (a.busy === undefined || b.busy === undefined) return undefined;
  const wallUs = (b.at - a.at) * 1000;
  if (wallUs <= 0) return undefined;
  const v = ((b.busy - a.busy - (b.ours - a.ours)) / wallUs) * 100;
  return Math.max(0, Math.round(v));
}

/** Resident set size of a process, bytes, read from /proc (the process is not disturbed). */
export function processRss(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
