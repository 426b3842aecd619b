/**
 * The private keys a provider's issued tokens are signed with, published as a JWKS. One secret
 * (`pem: true`) holds one or several PEM private keys — PEM text, or one or more file paths — and the
 * first one signs; every one is published and verifies, so a rotated-out key stays listed until the
 * tokens it signed have expired. Each key's `kid` is its RFC 7638 thumbprint: stable across restarts
 * and instances, and derived from the key, never configured by hand. Signing, verification and JWK
 * export are jose's.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { ConfigProblem, type Path } from '../compile/problem.js';
import { jwsKeyMismatch, type JwsAlgorithm } from '../outbound/sign-jwt.js';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

interface Loaded {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: JWK;
}

export class KeySet {
  private readonly loaded: Promise<Loaded[]>;

  private constructor(
    readonly algorithm: JwsAlgorithm,
    private readonly privateKeys: readonly KeyObject[],
  ) {
    this.loaded = Promise.all(
      privateKeys.map(async (privateKey) => {
        const publicKey = createPublicKey(privateKey);
        const jwk = await exportJWK(publicKey);
        const kid = await calculateJwkThumbprint(jwk, 'sha256');
        return { kid, privateKey, publicKey, jwk: { ...jwk, kid, alg: algorithm, use: 'sig' } };
      }),
    );
    // Nothing above can fail for keys createPrivateKey accepted; never leave a rejection unhandled.
    this.loaded.catch(() => undefined);
  }

  /** How many keys the set holds (the first signs). */
  get size(): number {
    return this.privateKeys.length;
  }

  /**
   * Reads every PEM private key of `pem`; each must suit `algorithm`. Problems name the secret and
   * its variable, never the key material.
   *
   * @example KeySet.load(secrets.get('jwt_keys')!, 'RS256', ['issue', 'auth_token', 'keys'], 'jwt_keys', 'ACME_JWT_PRIVATE_KEY')
   */
  static load(pem: Buffer, algorithm: JwsAlgorithm, at: Path, secret: string, env: string): KeySet {
    const blocks = [...pem.toString('utf8').matchAll(PEM_BLOCK)].map((m) => m[0]).filter((b) => /PRIVATE KEY-----$/.test(b));
    if (blocks.length === 0) throw new ConfigProblem(at, `${env} (secret \`${secret}\`) holds no PEM private key`, 'set it to PEM text (-----BEGIN PRIVATE KEY-----…) or to the path of a PEM file', 'GW_ERR_CONFIG_SECRET');
    const keys = blocks.map((b, i) => {
      let key: KeyObject;
      try {
        key = createPrivateKey(b);
      } catch {
        throw new ConfigProblem(at, `${env} (secret \`${secret}\`): key ${i + 1} is not a readable private key`, 'PKCS#8 or PKCS#1 PEM, unencrypted', 'GW_ERR_CONFIG_SECRET');
      }
      const why = jwsKeyMismatch(algorithm, key);
      if (why) throw new ConfigProblem(at, `${env} (secret \`${secret}\`): key ${i + 1} ${why}`, undefined, 'GW_ERR_CONFIG_SECRET');
      return key;
    });
    return new KeySet(algorithm, keys);
  }

  /** Signs `payload` with the first key, its kid in the header. */
  async sign(payload: JWTPayload): Promise<string> {
    const [current] = await this.loaded;
    return new SignJWT(payload).setProtectedHeader({ alg: this.algorithm, typ: 'JWT', kid: current!.kid }).sign(current!.privateKey);
  }

  /**
   * Verifies a token signed by any key of the set (found by its kid), with this set's algorithm
   * only; expiry checked against `now` (unix ms). Rejects on anything else.
   */
  async verify(token: string, now: number, issuer?: string): Promise<JWTPayload> {
    const keys = await this.loaded;
    const { payload } = await jwtVerify(
      token,
      (header) => {
        const k = keys.find((x) => x.kid === header.kid);
        if (!k) throw new Error('unknown kid');
        return k.publicKey;
      },
      { algorithms: [this.algorithm], currentDate: new Date(now), requiredClaims: ['exp', 'iat'], ...(issuer !== undefined ? { issuer } : {}) },
    );
    return payload;
  }

  /** The JWKS document: every key's public half with kid, alg and use. */
  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: (await this.loaded).map((k) => k.jwk) };
  }

  /** The kids, for inspect and listings. */
  async kids(): Promise<string[]> {
    return (await this.loaded).map((k) => k.kid);
  }
}
