/**
 * Bench options from flags (`--duration 10`) and environment (`BENCH_DURATION=10`); flags win.
 */
import type { LogLevel } from '../../gateway/log.js';

export type TargetId = 'a' | 'b' | 'c' | 'd';

export interface BenchOptions {
  /** Concurrent connections of the load generator (pipelining is always 1). */
  connections: number;
  /** Seconds of each max-throughput run (one per target per round). */
  duration: number;
  /** Rounds over the targets (a, b, c, d, a, b, …); a target's req/s is its best round. */
  rounds: number;
  /** Seconds of load before each measured run (JIT, pools, caches); not measured. */
  warmup: number;
  /** Seconds of each fixed-rate run (latency at half of max load); 0 = skip. */
  halfDuration: number;
  /** Requests per sub-phase of the Redis round-trip count; 0 = skip. */
  tripRequests: number;
  targets: TargetId[];
  /** Pin the process under test to CPU 1, everything else to CPU 0 (when taskset works). */
  pin: boolean;
  /** Redis for (d): explicit URL, else REDIS_URL, else 127.0.0.1:6379 if it answers, else a dedicated one. */
  redisUrl: string | undefined;
  gatewayLog: LogLevel;
  /** The gateway's (and the proxy's) pool of connections to the wallet. */
  walletConnections: number;
  /** Write a V8 CPU profile of each target's process (its measured rounds) into this folder. */
  profileDir: string | undefined;
  /** Where the JSON report goes ('' = nowhere). */
  out: string;
  log: (line: string) => void;
}

export const DEFAULTS: Omit<BenchOptions, 'log' | 'redisUrl' | 'profileDir'> = {
  connections: 32,
  duration: 5,
  rounds: 3,
  warmup: 2,
  halfDuration: 10,
  tripRequests: 2000,
  targets: ['a', 'b', 'c', 'd'],
  pin: true,
  gatewayLog: 'info',
  walletConnections: 64,
  out: 'bench/results/latest.json',
};

const LEVELS = new Set(['debug', 'info', 'warn', 'error', 'silent']);

export class UsageError extends Error {}

/** Reads `--name value` / `--name=value` / `--no-name` flags. */
export function readFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq !== -1) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (a.startsWith('--no-')) flags.set(a.slice(5), 'false');
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) flags.set(a.slice(2), argv[++i]!);
    else flags.set(a.slice(2), 'true');
  }
  return flags;
}

/**
 * A bench command's flags, checked against the ones it knows; undefined after printing `usage`
 * for --help / -h.
 *
 * @example const flags = commandFlags(process.argv.slice(2), ['duration', 'out'], USAGE); if (!flags) return 0;
 */
export function commandFlags(argv: readonly string[], known: readonly string[], usage: string): Map<string, string> | undefined {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    return undefined;
  }
  const flags = readFlags(argv);
  for (const k of flags.keys()) if (!known.includes(k)) throw new UsageError(`unknown flag --${k}\n\n${usage}`);
  return flags;
}

export function num(flags: Map<string, string>, env: NodeJS.ProcessEnv, name: string, def: number, min = 0): number {
  const raw = flags.get(name) ?? env[`BENCH_${name.toUpperCase().replaceAll('-', '_')}`];
  if (raw === undefined || raw === '') return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min) throw new UsageError(`--${name} must be a number ≥ ${min}, got ${raw}`);
  return v;
}

function str(flags: Map<string, string>, env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = flags.get(name) ?? env[`BENCH_${name.toUpperCase().replaceAll('-', '_')}`];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * @example parseBenchOptions(['--duration', '5', '--targets', 'c,d'], process.env)
 */
export function parseBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Omit<BenchOptions, 'log'> {
  const flags = readFlags(argv);
  const known = new Set(['connections', 'duration', 'rounds', 'warmup', 'half-duration', 'trip-requests', 'targets', 'pin', 'redis', 'gateway-log', 'wallet-connections', 'profile', 'out', 'help']);
  for (const k of flags.keys()) if (!known.has(k)) throw new UsageError(`unknown flag --${k}`);
  const targets = (str(flags, env, 'targets') ?? 'a,b,c,d').split(',').map((t) => t.trim());
  for (const t of targets) if (!['a', 'b', 'c', 'd'].includes(t)) throw new UsageError(`--targets takes a,b,c,d, got ${t}`);
  const gatewayLog = str(flags, env, 'gateway-log') ?? DEFAULTS.gatewayLog;
  if (!LEVELS.has(gatewayLog)) throw new UsageError(`--gateway-log must be one of ${[...LEVELS].join(', ')}`);
  return {
    connections: num(flags, env, 'connections', DEFAULTS.connections, 1),
    duration: num(flags, env, 'duration', DEFAULTS.duration, 1),
    rounds: Math.floor(num(flags, env, 'rounds', DEFAULTS.rounds, 1)),
    warmup: num(flags, env, 'warmup', DEFAULTS.warmup, 0),
    halfDuration: num(flags, env, 'half-duration', DEFAULTS.halfDuration, 0),
    tripRequests: num(flags, env, 'trip-requests', DEFAULTS.tripRequests, 0),
    targets: targets as TargetId[],
    pin: (str(flags, env, 'pin') ?? 'true') !== 'false',
    redisUrl: str(flags, env, 'redis') ?? (env.REDIS_URL || undefined),
    gatewayLog: gatewayLog as LogLevel,
    walletConnections: num(flags, env, 'wallet-connections', DEFAULTS.walletConnections, 1),
    profileDir: str(flags, env, 'profile'),
    out: flags.has('out') ? flags.get('out')! : env.BENCH_OUT ?? DEFAULTS.out,
  };
}

export const USAGE = `npm run bench -- [flags]      (or node dist/bench/run.js [flags]; BENCH_<FLAG>=… works too)
  --connections N        load generator connections, pipelining 1 (default ${DEFAULTS.connections})
  --duration S           seconds per max-throughput run (default ${DEFAULTS.duration})
  --rounds N             rounds over the targets (a b c d, a b c d, …); req/s = best round (default ${DEFAULTS.rounds})
  --warmup S             unmeasured seconds before each run (default ${DEFAULTS.warmup})
  --half-duration S      seconds per fixed-rate run at half of max load, 0 = skip (default ${DEFAULTS.halfDuration})
  --trip-requests N      requests per Redis round-trip probe, 0 = skip (default ${DEFAULTS.tripRequests})
  --targets a,b,c,d      which targets to run (default all)
  --no-pin               do not pin processes to CPUs
  --redis URL            Redis for (d) (default REDIS_URL, else a private redis-server pinned to CPU 0,
                         else 127.0.0.1:6379)
  --gateway-log LEVEL    gateway log level; info writes the audit lines (to /dev/null) (default info)
  --wallet-connections N gateway/proxy pool size to the wallet (default ${DEFAULTS.walletConnections})
  --profile DIR          write a CPU profile of each target's measured rounds into DIR
  --out FILE             JSON report path, '' for none (default ${DEFAULTS.out})`;
