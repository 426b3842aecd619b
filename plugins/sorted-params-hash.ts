/**
 * Signature plugin `sorted-params-hash`: a signature carried inside the JSON body, computed over the
 * body's other fields sorted by name.
 *
 * Why it exists. A large family of casino aggregators and game studios (Pragmatic Play's seamless
 * wallet API is the best known, and many Asian aggregators copied it) do not sign the raw body.
 * They add a `hash` field whose value is
 *
 *     md5("amount=10.50&gameId=vs20&userId=421" + secretKey)
 *
 * — every other parameter, sorted by name, written `name=value` and joined with `&`, the secret
 * appended, MD5 in hex. Some variants use SHA-256 or an HMAC instead of the appended secret.
 *
 * Why it is not in the descriptor language. The engine verifies signatures over the exact bytes it
 * received, before it parses anything (CONTRACT §5.1); that rule is what makes YAML recipes safe to
 * write. This recipe cannot follow it: it must parse the attacker-controlled body first, then
 * rebuild a canonical string from parsed values — and its classic form is a secret-suffix MD5, a
 * legacy construction we do not want to be one YAML line away for new providers. As a plugin it is
 * explicit, reviewed code that a descriptor opts into by name.
 *
 * Details that matter for interoperability:
 * - values are signed as written: numbers keep their exact text (`10.50` stays `10.50`, through the
 *   gateway's exact JSON parser), booleans are `true`/`false`, null is empty;
 * - a nested object or array cannot be written as `name=value`, so a body with one is rejected
 *   unless that field is listed in `exclude`;
 * - names are sorted by UTF-16 code unit (plain ASCII order for real field names);
 * - the comparison is constant-time, and a hash of the wrong length is rejected.
 *
 * @example
 * verify:
 *   signature:
 *     algorithm: plugin
 *     plugin: sorted-params-hash
 *     options: { secret: api_key, field: hash, digest: md5, mode: suffix }
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { JsonNumber, parseJson } from '../gateway/json/parse-json.js';
import type { SignatureCheck, SignaturePlugin } from '../gateway/plugins/registry.js';

export interface SortedParamsHashOptions {
  /** Name of the descriptor secret holding the provider's key. */
  secret: string;
  /** Body field carrying the signature; never part of what is signed. */
  field: string;
  digest: 'md5' | 'sha1' | 'sha256' | 'sha512';
  /** suffix: digest(params + secret); prefix: digest(secret + params); hmac: HMAC(secret, params). */
  mode: 'suffix' | 'prefix' | 'hmac';
  pair_separator: string;
  assign: string;
  /** Further fields left out of the signed string. */
  exclude: string[];
  /** Leave out fields whose value is "" or null (some providers drop empty parameters). */
  skip_empty: boolean;
  encoding: 'hex' | 'base64';
}

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['secret'],
  properties: {
    secret: { type: 'string', minLength: 1, description: 'Name of the descriptor secret holding the key.' },
    field: { type: 'string', minLength: 1, default: 'hash', description: 'Body field carrying the signature.' },
    digest: { enum: ['md5', 'sha1', 'sha256', 'sha512'], default: 'md5' },
    mode: { enum: ['suffix', 'prefix', 'hmac'], default: 'suffix' },
    pair_separator: { type: 'string', default: '&' },
    assign: { type: 'string', default: '=' },
    exclude: { type: 'array', items: { type: 'string' }, default: [] },
    skip_empty: { type: 'boolean', default: false },
    encoding: { enum: ['hex', 'base64'], default: 'hex' },
  },
} as const;

/** The value as the provider wrote it, or undefined when it cannot be a `name=value` parameter. */
function paramText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof JsonNumber) return v.raw;
  if (typeof v === 'boolean') return String(v);
  if (v === null) return '';
  return undefined;
}

/**
 * The signed string of a parsed body, or undefined when the body cannot be signed this way.
 *
 * @example canonicalParams({ b: '2', a: '1', hash: 'x' }, options) // 'a=1&b=2'
 */
export function canonicalParams(body: unknown, o: Pick<SortedParamsHashOptions, 'field' | 'pair_separator' | 'assign' | 'exclude' | 'skip_empty'>): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || body instanceof JsonNumber) return undefined;
  const skip = new Set([o.field, ...o.exclude]);
  const pairs: string[] = [];
  for (const name of Object.keys(body).sort()) {
    if (skip.has(name)) continue;
    const text = paramText((body as Record<string, unknown>)[name]);
    if (text === undefined) return undefined;
    if (o.skip_empty && text === '') continue;
    pairs.push(`${name}${o.assign}${text}`);
  }
  return pairs.join(o.pair_separator);
}

/** The signature bytes for a signed string. */
export function digestOf(params: string, key: Buffer, o: Pick<SortedParamsHashOptions, 'digest' | 'mode'>): Buffer {
  const text = Buffer.from(params, 'utf8');
  if (o.mode === 'hmac') return createHmac(o.digest, key).update(text).digest();
  const h = createHash(o.digest);
  if (o.mode === 'prefix') h.update(key).update(text);
  else h.update(text).update(key);
  return h.digest();
}

function decode(text: string, encoding: 'hex' | 'base64'): Buffer | undefined {
  if (encoding === 'hex') return /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, 'hex') : undefined;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const buf = Buffer.from(text, 'base64');
  return buf.toString('base64').replace(/=+$/, '') === text.replace(/=+$/, '') ? buf : undefined;
}

const plugin: SignaturePlugin = {
  kind: 'signature',
  name: 'sorted-params-hash',
  optionsSchema,
  create(options, env): SignatureCheck {
    const o = options as SortedParamsHashOptions;
    const key = env.secrets.get(o.secret);
    if (!key) throw new Error(`secret \`${o.secret}\` is not declared or not set (declare it under secrets:)`);
    return ({ ctx }) => {
      let body: unknown;
      try {
        body = parseJson(ctx.raw);
      } catch {
        return false;
      }
      const given = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)[o.field] : undefined;
      if (typeof given !== 'string') return false;
      const got = decode(given, o.encoding);
      const params = canonicalParams(body, o);
      if (!got || params === undefined) return false;
      const expected = digestOf(params, key, o);
      // A digest's length is public; equal lengths compare in constant time.
      return got.length === expected.length && timingSafeEqual(got, expected);
    };
  },
};

export default plugin;
