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
