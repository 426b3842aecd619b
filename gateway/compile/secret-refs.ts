/**
 * Resolves a list of secret names (rotation lists: `secrets: [current, previous]`). A name that is
 * declared `required: false` and unset is skipped, so the previous key can be removed from the
 * environment without editing the descriptor; an undeclared name is a mistake; and a list with no
 * secret set at all is one too, because nothing could ever verify.
 */
import { didYouMean } from '../config/did-you-mean.js';
import { ConfigProblem, type Path } from './problem.js';

export interface SecretRef {
  name: string;
  value: Buffer;
}

/**
 * @param declared names declared under `secrets:` (set or not); without it every name must be set.
 * @example secretRefs(['current', 'previous'], ['verify', 'signature', 'secrets'], secrets, new Set(['current', 'previous']))
 */
export function secretRefs(names: readonly string[], at: Path, secrets: ReadonlyMap<string, Buffer>, declared?: ReadonlySet<string>, index = true): SecretRef[] {
  const out: SecretRef[] = [];
  names.forEach((name, i) => {
    const value = secrets.get(name);
    if (value) out.push({ name, value });
    else if (!declared?.has(name)) {
      const known = [...(declared ?? secrets.keys())];
      const guess = didYouMean(name, known);
      throw new ConfigProblem(index ? [...at, i] : at, `secret \`${name}\` is not declared or not set`, guess ? `did you mean \`${guess}\`?` : `declare it under secrets: (known: ${known.join(', ') || 'none'})`);
    }
  });
  if (out.length === 0) throw new ConfigProblem(at, `none of the secrets ${names.map((n) => `\`${n}\``).join(', ')} is set`, 'set at least one of their environment variables');
  return out;
}
