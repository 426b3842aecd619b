/** The `parse-json` stage: the verified raw body becomes a value (numbers kept as written). */
import { createError } from '../../errors.js';
import { parseJson } from '../../json/parse-json.js';
import type { Handler, Stage } from '../context.js';

export function parseJsonStage(opts: { allowEmpty: boolean }): Stage {
  const { allowEmpty } = opts;
  return {
    name: 'parse-json',
    detail: allowEmpty ? 'empty body allowed' : 'JSON object required',
    wrap(next: Handler): Handler {
      return (ctx) => {
        if (ctx.raw.length === 0) {
          if (!allowEmpty) throw createError('GW_ERR_REQUEST_MALFORMED_JSON', 'empty body');
          return next(ctx);
        }
        let body;
        try {
          body = parseJson(ctx.raw);
        } catch {
          throw createError('GW_ERR_REQUEST_MALFORMED_JSON');
        }
        if (body === null || typeof body !== 'object' || Array.isArray(body)) {
          throw createError('GW_ERR_REQUEST_MALFORMED_JSON', 'body is not a JSON object');
        }
        ctx.body = body;
        return next(ctx);
      };
    },
  };
}
