/**
 * Turns ajv's `oneOf`/`anyOf` error dumps into what a person needs. With `allErrors`, a failing
 * oneOf reports every error of every branch plus itself; we keep only the branch the data was
 * evidently written for, or say once which forms are accepted.
 */
import type { ErrorObject } from 'ajv';

/** Validates `data` against one branch alone: its errors (paths relative to `data`), or undefined if it cannot. */
export type BranchValidator = (branch: unknown, data: unknown) => ErrorObject[] | undefined;

const COMBINATORS = new Set(['oneOf', 'anyOf']);
// Errors about one key of an object: the branch understood the object, so it got one level further.
const KEY_KEYWORDS = new Set(['additionalProperties', 'unevaluatedProperties', 'propertyNames']);

function depthOf(pointer: string): number {
  return pointer === '' ? 0 : pointer.split('/').length - 1;
}

function reach(error: ErrorObject): number {
  return depthOf(error.instancePath) + (KEY_KEYWORDS.has(error.keyword) ? 1 : 0);
}

function signature(error: ErrorObject): string {
  return `${error.instancePath}\0${error.keyword}\0${JSON.stringify(error.params)}`;
}

/** Removes one occurrence per explained error: an identical error raised outside the combinator survives. */
function removeExplained(pending: ErrorObject[], explained: readonly ErrorObject[]): void {
  const counts = new Map<string, number>();
  for (const e of explained) counts.set(signature(e), (counts.get(signature(e)) ?? 0) + 1);
  for (let i = pending.length - 1; i >= 0; i--) {
    const key = signature(pending[i]!);
    const left = counts.get(key) ?? 0;
    if (left > 0) {
      counts.set(key, left - 1);
      pending.splice(i, 1);
    }
  }
}

/** A branch whose failure says "this is not even that form": wrong type, or a discriminator `const` mismatch. */
function isMismatch(errors: readonly ErrorObject[], at: string): boolean {
  const base = depthOf(at);
  return errors.some(
    (e) =>
      (e.keyword === 'type' && e.instancePath === at) ||
      e.keyword === 'false schema' ||
      (e.keyword === 'const' && depthOf(e.instancePath) <= base + 1),
  );
}

function summary(combinator: ErrorObject, extra: Record<string, unknown>): ErrorObject {
  return { ...combinator, params: { ...combinator.params, summary: true, ...extra } };
}

function resolveCombinator(combinator: ErrorObject, validate: BranchValidator): { keep: ErrorObject[]; explained: ErrorObject[] } {
  const branches: unknown[] = Array.isArray(combinator.schema) ? combinator.schema : [];
  const passing = (combinator.params as { passingSchemas?: number[] | null }).passingSchemas;
  if (combinator.keyword === 'oneOf' && Array.isArray(passing)) {
    return { keep: [summary(combinator, { passing })], explained: [] };
  }
  const at = combinator.instancePath;
  const raw = branches.map((branch) =>
    validate(branch, combinator.data)?.map((e) => ({ ...e, instancePath: at + e.instancePath })),
  );
  if (raw.some((r) => r === undefined)) return { keep: [summary(combinator, {})], explained: [] };
  const results = (raw as ErrorObject[][]).map((errors) => ({ errors, simplified: tameCombinators(errors, validate) }));
  const explained = results.flatMap((r) => r.errors);
  const candidates = results.filter((r) => !isMismatch(r.errors, at));
  if (candidates.length === 1) return { keep: candidates[0]!.simplified, explained };
  if (candidates.length === 0) return { keep: [summary(combinator, {})], explained };
  const scored = candidates
    .map((r) => ({ ...r, reach: Math.max(...r.simplified.map(reach)), count: r.simplified.length }))
    .sort((a, b) => b.reach - a.reach || a.count - b.count);
  const [best, second] = scored as [(typeof scored)[0], (typeof scored)[0]];
  const clearWinner = best.reach > depthOf(at) && (best.reach > second.reach || best.count < second.count);
  return { keep: clearWinner ? best.simplified : [summary(combinator, {})], explained };
}

/**
 * Replaces each failing oneOf/anyOf and the errors of its branches by the errors of the branch
 * that got furthest (deepest reach, then fewest errors), or by the combinator error alone, marked
 * `params.summary`, when no branch clearly fits ("must be one of the forms …"). Nested
 * combinators are handled the same way, outermost first. `if` errors are dropped: the failing
 * `then`/`else` errors they accompany say more.
 *
 * @example const errors = tameCombinators([...validate.errors], (branch, data) => validateAlone(branch, data))
 */
export function tameCombinators(errors: readonly ErrorObject[], validate: BranchValidator): ErrorObject[] {
  const pending = errors.filter((e) => e.keyword !== 'if');
  const resolved: ErrorObject[] = [];
  for (;;) {
    let index = -1;
    pending.forEach((e, i) => {
      if (COMBINATORS.has(e.keyword) && (index < 0 || depthOf(e.instancePath) < depthOf(pending[index]!.instancePath))) index = i;
    });
    if (index < 0) break;
    const [combinator] = pending.splice(index, 1) as [ErrorObject];
    const { keep, explained } = resolveCombinator(combinator, validate);
    removeExplained(pending, explained);
    resolved.push(...keep);
  }
  return [...pending, ...resolved];
}
