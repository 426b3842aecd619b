/**
 * Player sessions (admin `POST /v1/sessions`): the operator's request, completed with what the
 * provider needs and the operator left out — a generated `session_id`, the player's balance read
 * from the wallet (canonical `balance`) — then the provider's session call, whose answer becomes
 * `{provider, launch_url, session_token?, expires_at?}`.
 */
import { randomUUID } from 'node:crypto';
import { normalizeDecimal } from '../amount/decimal.js';
import type { EngineDeps } from '../compile/engine.js';
import type { CompiledCall } from './compile-call.js';
import type { SessionsConfig } from './outbound-config.js';
import { outboundError, OutboundError } from './outbound-error.js';

/** The fields of an admin session request (CONTRACT §6), readable as `input.*` by session calls. */
export const SESSION_FIELDS = ['player_id', 'currency', 'game_id', 'player_name', 'language', 'device', 'country', 'demo', 'return_url', 'balance', 'session_id'] as const;

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
}

export interface SessionAnswer {
  provider: string;
  launch_url: string;
  session_token?: string;
  expires_at?: string;
  session_id?: string;
}

export interface SessionFeature {
  readonly call: CompiledCall;
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

/** The wallet's answer to a balance look-up, or the admin error it becomes. */
async function walletBalance(deps: EngineDeps, provider: string, input: Record<string, unknown>, requestId: string): Promise<string> {
  const body: Record<string, unknown> = { request_id: requestId, provider, operation: 'balance', player_id: input['player_id'] };
  if (input['currency'] !== undefined) body['currency'] = input['currency'];
  const o = await deps.wallet.call({ operation: 'balance', body, requestId, timeoutMs: deps.settings.walletTimeoutMs });
  if (o.class === 'success' && o.balance !== undefined) return o.balance;
  if (o.class === 'uncertain' || o.class === 'success') throw outboundError('WALLET_UNAVAILABLE', 'the player\'s balance could not be read from the wallet');
  if (o.code === 'PLAYER_NOT_FOUND') throw outboundError('PLAYER_NOT_FOUND', 'the wallet does not know this player');
  if (o.code === 'PLAYER_BLOCKED') throw outboundError('PLAYER_BLOCKED', 'the wallet reports this player as blocked');
  throw new OutboundError(422, o.code ?? 'INVALID_REQUEST', `the wallet refused the balance look-up (${o.code ?? 'rejected'})`);
}

/** @example compileSessions(cfg, call, demoCall, deps, 'solex-igsp', unavailable) */
export function sessionFeature(cfg: SessionsConfig, call: CompiledCall, demoCall: CompiledCall | undefined, deps: EngineDeps, provider: string, unavailable: string | undefined): SessionFeature {
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
    call,
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
      if (input['balance'] !== undefined) {
        const d = normalizeDecimal(String(input['balance']));
        if (d === undefined) throw outboundError('INVALID_REQUEST', 'balance must be a non-negative decimal, e.g. "97.50"');
        input['balance'] = d;
      }
      if (cfg.session_id === 'generate' && input['session_id'] === undefined) input['session_id'] = randomUUID();
      if (cfg.balance === 'wallet' && input['balance'] === undefined && !demo) input['balance'] = await walletBalance(deps, provider, input, requestId);
      const answer = await (demo && demoCall ? demoCall : call).run(input, { requestId });
      const f = answer.fields;
      const launch = text(f['launch_url']);
      if (!launch) throw outboundError('PROVIDER_UNAVAILABLE', `sessions: the provider's answer has no launch URL`);
      const out: SessionAnswer = { provider, launch_url: launch };
      const token = text(f['session_token']);
      if (token) out.session_token = token;
      const expires = text(f['expires_at']) ?? (cfg.lifetime_s ? new Date(deps.now() + cfg.lifetime_s * 1000).toISOString() : undefined);
      if (expires) out.expires_at = expires;
      if (typeof input['session_id'] === 'string') out.session_id = input['session_id'];
      return out;
    },
  });
}
