/**
 * Provider-controlled text inside store keys, groups and wallet idempotency keys. Keys are built by
 * joining parts with `:` (`{provider}:{operation}:{transaction_id}`), so a part that contains `:` could
 * spell another record's key: a bet with transaction id `rollback:RB1` keyed `{provider}:{transaction_id}`
 * would meet the rollback `RB1` keyed `{provider}:rollback:{transaction_id}`. Every interpolated part
 * is therefore escaped — `%` as `%25`, `:` as `%3A` — which is one-to-one, so distinct ids stay
 * distinct keys, and leaves ids without `:` or `%` (nearly all of them) exactly as before.
 */

/** @example keyPart('rollback:RB1') // 'rollback%3ARB1' */
export function keyPart(s: string): string {
  return s.includes(':') || s.includes('%') ? s.replaceAll('%', '%25').replaceAll(':', '%3A') : s;
}

/** The inverse of keyPart. @example unkeyPart('rollback%3ARB1') // 'rollback:RB1' */
export function unkeyPart(s: string): string {
  return s.includes('%') ? s.replaceAll('%3A', ':').replaceAll('%25', '%') : s;
}
