/** The `verify-timestamp` stage: the request's timestamp must fall inside the window. */
import { createError } from '../../errors.js';
import type { Handler, RequestContext, Stage } from '../context.js';

export type TimestampFormat = 'iso8601' | 'unix-s' | 'unix-ms';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** Parses a timestamp strictly; NaN when malformed. */
export function parseTimestamp(text: string, format: TimestampFormat): number {
  switch (format) {
    case 'unix-s':
      return /^\d{1,12}$/.test(text) ? Number(text) * 1000 : NaN;
    case 'unix-ms':
      return /^\d{1,15}$/.test(text) ? Number(text) : NaN;
    case 'iso8601':
      return ISO.test(text) ? Date.parse(text) : NaN;
  }
}

export function timestampStage(opts: {
  get: (ctx: RequestContext) => unknown;
  source: string;
  format: TimestampFormat;
  pastMs: number;
  futureMs: number;
}): Stage {
  const { get, format, pastMs, futureMs } = opts;
  return {
    name: 'verify-timestamp',
    detail: `${opts.source} ${format}, -${pastMs / 1000}s/+${futureMs / 1000}s`,
    wrap(next: Handler): Handler {
      return (ctx) => {
        const raw = get(ctx);
        if (raw === undefined || raw === null || raw === '') throw createError('GW_ERR_VERIFY_TIMESTAMP_MISSING');
        const ts = parseTimestamp(String(raw), format);
        if (Number.isNaN(ts)) throw createError('GW_ERR_VERIFY_TIMESTAMP_MALFORMED');
        const age = ctx.now - ts;
        if (age > pastMs || -age > futureMs) throw createError('GW_ERR_VERIFY_TIMESTAMP_WINDOW', `timestamp off by ${Math.round(age / 1000)}s`);
        return next(ctx);
      };
    },
  };
}
