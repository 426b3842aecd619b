/**
 * "Did you mean …?" suggestions for misspelt names: unknown config keys, enum values, and any
 * name a later compile step cannot resolve (templates, secrets, plugins).
 */

/** The most edits a suggestion may be away from what was typed. */
const MAX_DISTANCE = 3;

/**
 * Optimal-string-alignment distance: Levenshtein plus adjacent transpositions, so `prot` is one
 * edit from `port` (a swap is the commonest typo and plain Levenshtein counts it as two).
 *
 * @example editDistance('prot', 'port') // 1
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => {
    const row = new Array<number>(cols).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j < cols; j++) d[0]![j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[rows - 1]![cols - 1]!;
}

/** Lower-case without separators, so `bodyLimitBytes`, `body-limit-bytes` and `BODY_LIMIT_BYTES` meet. */
function fold(name: string): string {
  return name.toLowerCase().replace(/[-_.\s]/g, '');
}

/**
 * The candidate closest to `name`, or undefined when none is close enough to be a plausible typo.
 *
 * A candidate that differs only in case or separators wins outright. Otherwise the edit distance
 * must be at most 3 and at most half the longer name, so `x` is never "corrected" to `id`.
 * Ties go to the candidate listed first. A name that is itself a candidate gets no suggestion.
 *
 * @example didYouMean('prot', ['host', 'port']) // 'port'
 * @example didYouMean('bodyLimitBytes', ['body_limit_bytes']) // 'body_limit_bytes'
 */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  if (list.includes(name)) return undefined; // nothing to correct
  const folded = fold(name);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of list) {
    if (fold(candidate) === folded) return candidate;
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    const limit = Math.min(MAX_DISTANCE, Math.ceil(Math.max(name.length, candidate.length) / 2));
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
