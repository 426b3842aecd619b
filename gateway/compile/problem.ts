/** A semantic problem found while compiling a descriptor, located by its path in the file. */
export type Path = ReadonlyArray<string | number>;

export class ConfigProblem extends Error {
  constructor(
    readonly path: Path,
    message: string,
    readonly hint?: string,
    readonly code: 'GW_ERR_CONFIG_REFERENCE' | 'GW_ERR_CONFIG_SECRET' | 'GW_ERR_CONFIG_DUPLICATE' | 'GW_ERR_CONFIG_PLUGIN' = 'GW_ERR_CONFIG_REFERENCE',
  ) {
    super(message);
  }
}

/**
 * Runs `fn`, turning a thrown ConfigProblem into an entry of `problems` (so every problem of a file
 * is reported at once) and returning undefined; anything else propagates.
 *
 * @example const check = collectProblem(problems, () => compileCheck(cfg))
 */
export function collectProblem<T>(problems: ConfigProblem[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConfigProblem) {
      problems.push(e);
      return undefined;
    }
    throw e;
  }
}
