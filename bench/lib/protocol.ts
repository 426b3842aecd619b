/** Messages between the bench parent and its child processes (IPC, JSON-serialisable). */

export interface EldStats {
  /** Event-loop delay in ms over the window since the last reset (resolution 10 ms). */
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export interface ChildStats {
  rss: number;
  heapUsed: number;
  /** User + system CPU time since the process started, µs. */
  cpuUs: number;
  eld: EldStats;
  counters: Record<string, number>;
}

export type ParentMessage =
  | { type: 'stats'; id: number; resetEld?: boolean }
  /** Starts the V8 CPU profiler, or stops it and writes the profile to `file` (answered with `profiled`). */
  | { type: 'profile'; id: number; action: 'start' | 'stop'; file?: string }
  | { type: 'stop' };

export type ChildMessage =
  | { type: 'ready'; url: string; pid: number; extra?: Record<string, unknown> }
  | { type: 'failed'; error: string }
  | { type: 'stats'; id: number; stats: ChildStats }
  | { type: 'profiled'; id: number; error?: string };
