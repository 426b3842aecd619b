/**
 * The running set of compiled providers, swapped as a whole on reload so a request always sees one
 * consistent set.
 */
import { createHash } from 'node:crypto';
import type { CompiledProvider } from '../compile/compile-provider.js';
import type { ErrorRenderer } from '../compile/compile-errors.js';

export interface DisabledProvider {
  id: string;
  file: string;
  reason: string;
}

export interface ProviderSet {
  readonly byId: ReadonlyMap<string, CompiledProvider>;
  readonly disabled: readonly DisabledProvider[];
  readonly loadedAt: string;
  /**
   * Digest of what was loaded (every enabled descriptor and every disabled id with its reason): two
   * processes that loaded the same files under the same environment have the same fingerprint.
   */
  readonly fingerprint: string;
  /** The error envelope of each disabled provider whose table compiled: it still answers in it (503). */
  readonly disabledErrors: ReadonlyMap<string, ErrorRenderer>;
}

export function providerSet(providers: readonly CompiledProvider[], disabled: readonly DisabledProvider[], disabledErrors: ReadonlyMap<string, ErrorRenderer> = new Map()): ProviderSet {
  return Object.freeze({
    disabledErrors,
    byId: new Map(providers.map((p) => [p.id, p])),
    disabled: Object.freeze([...disabled]),
    loadedAt: new Date().toISOString(),
    fingerprint: createHash('sha256')
      .update(JSON.stringify([[...providers].sort((a, b) => (a.id < b.id ? -1 : 1)).map((p) => p.descriptor), [...disabled].map((d) => [d.id, d.reason]).sort()]))
      .digest('hex')
      .slice(0, 16),
  });
}
