/**
 * JWT bearer credentials for outbound calls, minted per call with jose: `iat`, `exp`
 * (`lifetime_s`), a unique `jti`, claims from settings (`iss`, `aud` …), `kid` in the header, and
 * optionally a digest of the exact body bytes sent, so the token is bound to that request.
 */
import { createHash, createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Render } from '../compile/compile-template.js';
import { ConfigProblem, type Path } from '../compile/problem.js';
import type { RequestContext } from '../pipeline/context.js';
import type { JwtConfig } from './outbound-config.js';
import type { TextTemplate } from './text-template.js';

const KEY_TYPES: Record<JwtConfig['algorithm'], readonly string[]> = { RS256: ['rsa'], PS256: ['rsa'], ES256: ['ec'], EdDSA: ['ed25519'] };

export interface CompiledJwt {
  header: string;
  /** The header value for a request whose body is `body`. */
  mint(ctx: RequestContext, body: Buffer): Promise<string>;
  detail: string;
}

export type JwsAlgorithm = JwtConfig['algorithm'];

/** Why `key` cannot sign `algorithm` (RSA keys need 2048 bits or more), or undefined when it can. */
export function jwsKeyMismatch(algorithm: JwsAlgorithm, key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType ?? 'unknown';
  if (!KEY_TYPES[algorithm].includes(type)) return `is a ${type} key, ${algorithm} needs ${KEY_TYPES[algorithm].join(' or ')}`;
  if (algorithm === 'ES256' && key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return 'is not on P-256, which ES256 needs';
  if (type.startsWith('rsa') && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return `is a ${key.asymmetricKeyDetails?.modulusLength ?? 0}-bit RSA key; at least 2048 bits are required`;
  return undefined;
}

/** Loads the private key and checks it fits the algorithm, at load time. */
export function jwtKey(cfg: JwtConfig, at: Path, secrets: ReadonlyMap<string, Buffer>): KeyObject {
  const pem = secrets.get(cfg.key);
  if (!pem) throw new ConfigProblem([...at, 'key'], `secret \`${cfg.key}\` is not declared or not set`, 'declare it under secrets: with pem: true');
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new ConfigProblem([...at, 'key'], `secret \`${cfg.key}\` is not a PEM private key`, 'give a PKCS#8 or PKCS#1 PEM private key (text or a path)', 'GW_ERR_CONFIG_SECRET');
  }
  const why = jwsKeyMismatch(cfg.algorithm, key);
  if (why) throw new ConfigProblem([...at, 'key'], `secret \`${cfg.key}\` ${why}`, undefined, 'GW_ERR_CONFIG_SECRET');
  return key;
}

/** @example compileJwt(cfg, key, claims, kid) */
export function compileJwt(cfg: JwtConfig, key: KeyObject, claims: Render | undefined, kid: TextTemplate | undefined): CompiledJwt {
  const lifetime = cfg.lifetime_s ?? 300;
  const prefix = cfg.prefix ?? 'Bearer ';
  const digest = cfg.body_digest;
  return {
    header: (cfg.header ?? 'Authorization').toLowerCase(),
    detail: `${cfg.algorithm} JWT in ${cfg.header ?? 'Authorization'} (exp ${lifetime}s${cfg.jti === false ? '' : ', jti'}${digest ? `, ${digest.claim} = ${digest.encoding ?? 'base64'}(${digest.hash ?? 'sha256'}(body))` : ''})`,
    async mint(ctx, body) {
      const payload: Record<string, unknown> = { ...((claims?.(ctx) as Record<string, unknown> | undefined) ?? {}) };
      if (digest) payload[digest.claim] = createHash(digest.hash ?? 'sha256').update(body).digest(digest.encoding ?? 'base64');
      const iat = Math.floor(ctx.now / 1000);
      const jwt = new SignJWT(payload).setProtectedHeader({ alg: cfg.algorithm, typ: 'JWT', ...(kid ? { kid: kid.render(ctx) } : {}) }).setIssuedAt(iat).setExpirationTime(iat + lifetime);
      if (cfg.jti !== false) jwt.setJti(randomUUID());
      return `${prefix}${await jwt.sign(key)}`;
    },
  };
}
