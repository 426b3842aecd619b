/**
 * The running set of compiled providers, swapped as a whole on reload so a request always sees one
 * consistent set.
 */
import type { CompiledProvider } from '../compile/compile-provider.js';

export interface DisabledProvider {
  id: string;
  file: string;
  reason: string;
}

export interface ProviderSet {
  readonly byId: ReadonlyMap<string, CompiledProvider>;
  readonly disabled: readonly DisabledProvider[];
  readonly loadedAt: string;
}

export function providerSet(providers: readonly CompiledProvider[], disabled: readonly DisabledProvider[]): ProviderSet {
  return Object.freeze({
    byId: new Map(providers.map((p) => [p.id, p])),
    disabled: Object.freeze([...disabled]),
    loadedAt: new Date().toISOString(),
  });
}
