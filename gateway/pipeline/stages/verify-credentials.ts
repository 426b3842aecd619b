/** The `verify-credentials` stage: static API keys / Bearer keys compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createError } from '../../errors.js';
import type { Handler, Stage } from '../context.js';

export interface CompiledCredential {
  header: string;
  prefix: string;
  /** Accepted values (several secrets = rotation). */
  values: readonly Buffer[];
}

// Comparing digests keeps the comparison constant-time even when lengths differ.
const digest = (b: Buffer | string): Buffer => createHash('sha256').update(b).digest();

/** Undefined when there is nothing to check (a stage with nothing to do is not in the pipeline). */
export function credentialsStage(creds: readonly CompiledCredential[]): Stage | undefined {
  if (creds.length === 0) return undefined;
  const prepared = creds.map((c) => ({ header: c.header.toLowerCase(), prefix: c.prefix, digests: c.values.map(digest) }));
  return {
    name: 'verify-credentials',
    detail: prepared.map((c) => `${c.header}: ${c.prefix ? JSON.stringify(c.prefix) + ' + ' : ''}secret`).join('; '),
    wrap(next: Handler): Handler {
      return (ctx) => {
        for (const c of prepared) {
          const h = ctx.headers[c.header];
          const v = Array.isArray(h) ? h[0] : h;
          // The prefix is an auth scheme (`Bearer `) or a label: compared case-insensitively, as
          // RFC 9110 says of schemes (`bearer abc` is the same credential).
          if (!v || v.length < c.prefix.length || v.slice(0, c.prefix.length).toLowerCase() !== c.prefix.toLowerCase()) throw createError('GW_ERR_VERIFY_CREDENTIAL');
          const got = digest(v.slice(c.prefix.length));
          let ok = false;
          for (const d of c.digests) if (timingSafeEqual(got, d)) ok = true;
          if (!ok) throw createError('GW_ERR_VERIFY_CREDENTIAL');
        }
        return next(ctx);
      };
    },
  };
}
