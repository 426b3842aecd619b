/**
 * What an operator gets when an outbound flow fails: an admin HTTP status, a code and a message
 * that never carries a secret, a token or a provider body. Kept apart from `GatewayError`, which is
 * rendered in a provider's envelope; these are rendered as `{"error":{"code","message"}}`.
 */
export const OUTBOUND_CODES = {
  INVALID_REQUEST: 400,
  PLAYER_NOT_FOUND: 404,
  PLAYER_BLOCKED: 403,
  CURRENCY_MISMATCH: 422,
  PROVIDER_UNAVAILABLE: 502,
  WALLET_UNAVAILABLE: 502,
  PROVIDER_NOT_CONFIGURED: 503,
  STORE_UNAVAILABLE: 503,
} as const;

export class OutboundError extends Error {
  override readonly name = 'OutboundError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The provider's HTTP status, when it answered. */
    readonly providerStatus?: number,
  ) {
    super(message);
  }
}

/** @example outboundError('INVALID_REQUEST', 'player_id is required') */
export function outboundError(code: keyof typeof OUTBOUND_CODES, message: string, providerStatus?: number): OutboundError {
  return new OutboundError(OUTBOUND_CODES[code], code, message, providerStatus);
}
