/**
 * Secrets and settings, read from the environment once at load time. A provider whose required
 * secrets are missing does not run with a guessable value: it is disabled with a reason naming the
 * variable (fatal when listed in providers.enabled), unless the gateway runs in sandbox mode, where
 * the descriptor's `sandbox` value is used and announced loudly (CONTRACT §2).
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Keys made in sandbox mode, one per variable for the life of the process (reloads keep them). */
const GENERATED = new Map<string, string>();

/** A private key made for this process only (sandbox mode): PKCS#8 PEM, the same on every reload. */
function generatedKey(type: 'rsa' | 'ec-p256' | 'ed25519', variable: string): string {
  const k = `${variable}:${type}`;
  let pem = GENERATED.get(k);
  if (!pem) GENERATED.set(k, (pem = freshKey(type)));
  return pem;
}

function freshKey(type: 'rsa' | 'ec-p256' | 'ed25519'): string {
  const pair = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : type === 'ec-p256' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('ed25519');
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export interface SecretConfig {
  env: string;
  sandbox?: string;
  required?: boolean;
  encoding?: 'utf8' | 'base64' | 'hex';
  strip_prefix?: string;
  pem?: boolean;
  /** In sandbox mode only, an unset secret is a freshly generated private key of this type (PEM). */
  sandbox_generate?: 'rsa' | 'ec-p256' | 'ed25519';
}

export interface SettingConfig {
  env?: string;
  default?: string;
  /** Value in sandbox mode when the variable is unset (a demo operator id, never production's). */
  sandbox?: string;
  required?: boolean;
}

export interface ResolvedSecrets {
  /** Key bytes per secret name (PEM secrets: the PEM text's bytes). */
  secrets: Map<string, Buffer>;
  settings: Record<string, string | undefined>;
  /** Environment variables that are required and unset. */
  missing: string[];
  /** Secret names running on their sandbox value. */
  sandboxed: string[];
  /** Problems with values that are set but unusable (bad base64, unreadable PEM path). */
  invalid: { name: string; message: string }[];
}

function decode(text: string, cfg: SecretConfig): Buffer | undefined {
  let t = text;
  if (cfg.strip_prefix && t.startsWith(cfg.strip_prefix)) t = t.slice(cfg.strip_prefix.length);
  if (cfg.pem) {
    if (t.includes('-----BEGIN')) return Buffer.from(t.replace(/\\n/g, '\n'), 'utf8');
    // A path, or several separated by commas (key rotation: the current key's file first).
    return Buffer.from(t.split(',').map((f) => readFileSync(f.trim(), 'utf8')).join('\n'), 'utf8');
  }
  switch (cfg.encoding ?? 'utf8') {
    case 'utf8':
      return Buffer.from(t, 'utf8');
    case 'hex':
      return /^(?:[0-9a-fA-F]{2})+$/.test(t) ? Buffer.from(t, 'hex') : undefined;
    case 'base64':
      return /^[A-Za-z0-9+/_-]+={0,2}$/.test(t) ? Buffer.from(t, 'base64') : undefined;
  }
}

/**
 * @example resolveSecrets({ hmac: { env: 'ACME_SECRET' } }, {}, process.env, false)
 */
export function resolveSecrets(
  secrets: Readonly<Record<string, SecretConfig>> | undefined,
  settings: Readonly<Record<string, SettingConfig>> | undefined,
  env: Readonly<Record<string, string | undefined>>,
  sandbox: boolean,
): ResolvedSecrets {
  const out: ResolvedSecrets = { secrets: new Map(), settings: {}, missing: [], sandboxed: [], invalid: [] };
  for (const [name, cfg] of Object.entries(secrets ?? {})) {
    let text = env[cfg.env];
    if (text === undefined || text === '') {
      if (sandbox && cfg.sandbox !== undefined) {
        text = cfg.sandbox;
        out.sandboxed.push(name);
      } else if (sandbox && cfg.sandbox_generate) {
        text = generatedKey(cfg.sandbox_generate, cfg.env);
        out.sandboxed.push(name);
      } else {
        if (cfg.required !== false) out.missing.push(cfg.env);
        continue;
      }
    }
    try {
      const buf = decode(text, cfg);
      if (!buf || buf.length === 0) out.invalid.push({ name, message: `${cfg.env} is not valid ${cfg.pem ? 'PEM' : cfg.encoding ?? 'utf8'}` });
      else out.secrets.set(name, buf);
    } catch (e) {
      out.invalid.push({ name, message: `${cfg.env}: ${(e as Error).message.replace(/'.*'/, '(path)')}` });
    }
  }
  for (const [name, cfg] of Object.entries(settings ?? {})) {
    const v = (cfg.env ? env[cfg.env] : undefined) || cfg.default || (sandbox ? cfg.sandbox : undefined);
    if (v === undefined && cfg.required) out.missing.push(cfg.env ?? name);
    out.settings[name] = v;
  }
  return out;
}
