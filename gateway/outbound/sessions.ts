/**
 * Player sessions (admin `POST /v1/sessions`): the operator's request, completed with what the
 * provider needs and the operator left out — a generated `session_id`, the player's balance read
 * from the wallet (canonical `balance`) — then the provider's session call, whose answer becomes
 * `{provider, launch_url, session_token?, expires_at?}`.
 */
import { randomUUID } from 'node:crypto';
import { currencyExponent } from '../amount/currencies.js';
import { decimalPlaces, normalizeDecimal } from '../amount/decimal.js';
import type { EngineDeps } from '../compile/engine.js';
import type { CompiledCall } from './compile-call.js';
import type { SessionsConfig } from './outbound-config.js';
import { outboundError, OutboundError } from './outbound-error.js';

/** The fields of an admin session request (CONTRACT §6), readable as `input.*` by session calls. */
export const SESSION_FIELDS = ['player_id', 'currency', 'game_id', 'player_name', 'language', 'device', 'country', 'demo', 'return_url', 'balance', 'session_id', 'theme'] as const;

export interface SessionRequest {
  provider: string;
  player_id?: string;
  currency?: string;
  game_id?: string;
  player_name?: string;
  language?: string;
  device?: string;
  country?: string;
  demo?: boolean;
  return_url?: string;
  balance?: string | number;
  session_id?: string;
  theme?: string;
}

export interface SessionAnswer {
  provider: string;
  launch_url: string;
  session_token?: string;
  expires_at?: string;
  session_id?: string;
}

/** How a session is opened once the request is complete: a provider call, or a grant the gateway issues. */
export interface Launcher {
  /** Inspect lines. */
  readonly steps: readonly { name: string; detail: string }[];
  launch(input: Record<string, unknown>, demo: boolean, requestId: string): Promise<Record<string, unknown>>;
}

/** A launcher over the provider's session call (and its demo call). */
export function callLauncher(call: CompiledCall, demoCall: CompiledCall | undefined): Launcher {
  return {
    steps: call.steps,
    async launch(input, demo, requestId) {
      return (await (demo && demoCall ? demoCall : call).run(input, { requestId })).fields;
    },
  };
}

export interface SessionFeature {
  readonly launcher: Launcher;
  readonly demoCall: CompiledCall | undefined;
  /** Why the feature cannot run (unset settings), or undefined. */
  readonly unavailable: string | undefined;
  readonly describe: readonly string[];
  start(req: SessionRequest, requestId: string): Promise<SessionAnswer>;
}

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object' && 'raw' in (v as object)) return String((v as { raw: unknown }).raw);
  return typeof v === 'object' ? undefined : String(v);
}

/**
 * The operator's balance as an exact decimal: a string, or a number kept as written (the admin
 * listener hands it over as its JSON text, never through a float); at most the currency's decimals.
 */
function exactBalance(v: unknown, currency: unknown, deps: EngineDeps): string {
  const d = normalizeDecimal(String(v));
  if (d === undefined) throw outboundError('INVALID_REQUEST', 'balance must be a non-negative decimal without an exponent, e.g. "97.50"');
  if (d.replace('.', '').replace(/^0+/, '').length > 18) throw outboundError('INVALID_REQUEST', 'balance has too many digits');
  const exp = typeof currency === 'string' ? currencyExponent(currency, deps.settings.currencies) : undefined;
  if (typeof currency === 'string' && exp === undefined) throw outboundError('INVALID_REQUEST', `unknown currency ${currency}`);
  if (exp !== undefined && decimalPlaces(d) > exp) throw outboundError('INVALID_REQUEST', `balance has more decimals than ${String(currency)} allows (${exp})`);
  return d;
}

/** The wallet's answer to a balance look-up, or the admin error it becomes. */
async function walletBalance(deps: EngineDeps, provider: string, input: Record<string, unknown>, requestId: string): Promise<string> {
  const body: Record<string, unknown> = { request_id: requestId, provider, operation: 'balance', player_id: input['player_id'] };
  if (input['currency'] !== undefined) body['currency'] = input['currency'];
  const o = await deps.wallet.call({ operation: 'balance', body, requestId, timeoutMs: deps.settings.walletTimeoutMs });
  if (o.class === 'success' && o.balance !== undefined) {
    // A balance in another currency must never be handed to the provider as this one's.
    if (o.currency !== undefined && input['currency'] !== undefined && o.currency !== input['currency']) {
      throw outboundError('CURRENCY_MISMATCH', `the player's wallet balance is in ${o.currency}, the session asks for ${String(input['currency'])}`);
    }
    return o.balance;
  }
  if (o.class === 'uncertain' || o.class === 'success') throw outboundError('WALLET_UNAVAILABLE', 'the player\'s balance could not be read from the wallet');
  if (o.code === 'PLAYER_NOT_FOUND') throw outboundError('PLAYER_NOT_FOUND', 'the wallet does not know this player');
  if (o.code === 'PLAYER_BLOCKED') throw outboundError('PLAYER_BLOCKED', 'the wallet reports this player as blocked');
  throw new OutboundError(422, o.code ?? 'INVALID_REQUEST', `the wallet refused the balance look-up (${o.code ?? 'rejected'})`);
}

/** @example sessionFeature(cfg, launcher, demoCall, deps, 'acme', unavailable) */
export function sessionFeature(cfg: SessionsConfig, launcher: Launcher, demoCall: CompiledCall | undefined, deps: EngineDeps, provider: string, unavailable: string | undefined): SessionFeature {
  const required = cfg.require ?? [];
  const demoVia = demoCall ? 'demo_call' : cfg.demo ? 'call' : undefined;
  const describe = [
    `require player_id (unless demo)${required.length ? `, ${required.join(', ')}` : ''}`,
    ...(cfg.session_id === 'generate' ? ['session_id generated when absent'] : []),
    ...(cfg.balance === 'wallet' ? ['balance read from the wallet (canonical balance) when absent'] : []),
    `demo: ${demoVia === 'demo_call' ? 'own call' : demoVia === 'call' ? 'same call (input.demo)' : 'not offered (400)'}`,
    ...(cfg.lifetime_s ? [`expires_at = now + ${cfg.lifetime_s}s unless the answer says`] : []),
  ];
  return Object.freeze({
    launcher,
    demoCall,
    unavailable,
    describe,
    async start(req: SessionRequest, requestId: string): Promise<SessionAnswer> {
      const demo = req.demo === true;
      if (demo && !demoVia) throw outboundError('INVALID_REQUEST', `${provider} offers no demo sessions`);
      if (!demo && !req.player_id) throw outboundError('INVALID_REQUEST', 'player_id is required (it may be absent only with demo: true)');
      const missingFields = required.filter((f) => (req as unknown as Record<string, unknown>)[f] === undefined && !(f === 'session_id' && cfg.session_id === 'generate') && !(f === 'balance' && cfg.balance === 'wallet') && !(f === 'player_id' && demo));
      if (missingFields.length > 0) throw outboundError('INVALID_REQUEST', `${provider} sessions need ${missingFields.join(', ')}`);
      if (unavailable) throw outboundError('PROVIDER_NOT_CONFIGURED', `sessions for ${provider} are not configured: ${unavailable}`);
      const input: Record<string, unknown> = {};
      for (const f of SESSION_FIELDS) if (req[f] !== undefined) input[f] = req[f];
      if (input['balance'] !== undefined) input['balance'] = exactBalance(input['balance'], input['currency'], deps);
      if (cfg.session_id === 'generate' && input['session_id'] === undefined) input['session_id'] = randomUUID();
      if (cfg.balance === 'wallet' && input['balance'] === undefined && !demo) input['balance'] = await walletBalance(deps, provider, input, requestId);
      const f = await launcher.launch(input, demo, requestId);
      const launch = text(f['launch_url']);
      if (!launch) throw outboundError('PROVIDER_UNAVAILABLE', `sessions: the provider's answer has no launch URL`);
      const out: SessionAnswer = { provider, launch_url: launch };
      const token = text(f['session_token']);
      if (token) out.session_token = token;
      const expires = text(f['expires_at']) ?? (cfg.lifetime_s ? new Date(deps.now() + cfg.lifetime_s * 1000).toISOString() : undefined);
      if (expires) out.expires_at = expires;
      // Echoed only where the provider was given it (generated or passed on), never as a pretence.
      if (cfg.session_id === 'generate' && typeof input['session_id'] === 'string') out.session_id = input['session_id'];
      return out;
    },
  });
}
