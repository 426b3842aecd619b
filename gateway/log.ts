/**
 * Structured JSON-lines logging. Deliberately tiny: one line per event, level-filtered before any
 * work is done, and never handed secrets or signatures (callers pass ids and outcomes only).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** One line per money operation (CONTRACT §5.8); written at info level. */
  audit(fields: Record<string, unknown>): void;
  enabled(level: LogLevel): boolean;
}

/**
 * @example const log = createLogger('info'); log.info('listening', { port: 8080 })
 * @example createLogger('info', undefined, { worker: 2 }) // every line also says "worker":2
 */
export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stdout.write(l), base?: Record<string, string | number>): Logger {
  const min = RANK[level];
  // Fields every line of this logger carries (e.g. a cluster worker's number), serialised once.
  const baseText = base && Object.keys(base).length > 0 ? `,${JSON.stringify(base).slice(1, -1)}` : '';
  // The ISO timestamp of the current millisecond, formatted once per millisecond, not per line.
  let lastMs = -1;
  let lastIso = '';
  const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[lvl] < min) return;
    const ms = Date.now();
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = new Date(ms).toISOString();
    }
    // `{"time":…,"level":…,"msg":…` then the caller's fields, without copying them into a new
    // object first. Fields must not reuse the names time, level or msg.
    const head = `{"time":"${lastIso}","level":"${lvl}","msg":${JSON.stringify(msg)}${baseText}`;
    let rest: string;
    try {
      rest = fields === undefined ? '}' : JSON.stringify(fields);
    } catch {
      rest = '}';
    }
    write(rest.length > 2 ? `${head},${rest.slice(1)}\n` : `${head}}\n`);
  };
  return {
    level,
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    audit: (f) => emit('info', 'audit', f),
    enabled: (l) => RANK[l] >= min,
  };
}

/** A logger that drops everything (tests, inspect). */
export const silentLogger: Logger = createLogger('silent', () => {});
