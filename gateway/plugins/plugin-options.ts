/**
 * A plugin's options, checked against its own JSON Schema (ajv, draft 2020-12) at load time. Each
 * schema is compiled once, when the registry is built; checking a descriptor's options is then a
 * plain function call. Problems come back located under `options`, worded like the descriptor
 * schema's own messages, so `gateway validate` can print them at the right line.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import { didYouMean } from '../config/did-you-mean.js';

export interface OptionsProblem {
  /** Path inside the descriptor, starting at `options`. */
  path: readonly (string | number)[];
  message: string;
  hint?: string;
}

/** Checks one options value: the value with defaults filled in (frozen), or the problems. */
export type OptionsValidator = (options: unknown) => { value: unknown; problems: readonly OptionsProblem[] };

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const inner of Object.values(v)) deepFreeze(inner);
  }
  return v;
}

function segments(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function shown(path: readonly (string | number)[]): string {
  return ['options', ...path].map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function describe(e: ErrorObject): OptionsProblem {
  const at = segments(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const name = String(params.missingProperty);
      return { path: ['options', ...at], message: at.length === 0 ? `missing option \`${name}\`` : `${shown(at)} is missing \`${name}\`` };
    }
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys(((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object);
      const guess = didYouMean(name, known);
      return {
        path: ['options', ...at, name],
        message: at.length === 0 ? `unknown option \`${name}\`` : `${shown(at)} has an unknown key \`${name}\``,
        hint: guess ? `did you mean \`${guess}\`?` : known.length ? `known options: ${known.join(', ')}` : 'this plugin takes no options here',
      };
    }
    case 'enum':
      return { path: ['options', ...at], message: `${shown(at)} must be one of ${(params.allowedValues as unknown[]).map((v) => String(v)).join(', ')}` };
    case 'type':
      return { path: ['options', ...at], message: `${shown(at)} must be ${String(params.type)}` };
    default:
      return { path: ['options', ...at], message: `${shown(at)} ${e.message ?? 'is invalid'}` };
  }
}

/**
 * Compiles a plugin's options schema. Without a schema the plugin takes no options: any given
 * options are a problem (a typo would otherwise be silently ignored).
 *
 * @example
 * const check = compileOptionsSchema({ type: 'object', properties: { prefix: { type: 'string', default: 'usr_' } } });
 * check({}).value // { prefix: 'usr_' }
 */
export function compileOptionsSchema(schema: object | undefined): OptionsValidator {
  if (schema === undefined) {
    return (options) =>
      options === undefined
        ? { value: undefined, problems: [] }
        : { value: options, problems: [{ path: ['options'], message: 'options are given but this plugin takes none', hint: 'remove `options`' }] };
  }
  // One ajv per plugin: two plugins may use the same $id without clashing.
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, useDefaults: true, verbose: true, allowUnionTypes: true });
  ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
  const validate = ajv.compile(schema);
  const objectTyped = (schema as { type?: unknown }).type === 'object';
  return (options) => {
    // Defaults are written into a copy: the descriptor itself stays as the operator wrote it.
    const value = options === undefined && objectTyped ? {} : structuredClone(options);
    if (validate(value)) return { value: deepFreeze(value), problems: [] };
    const problems = (validate.errors ?? []).filter((e) => e.keyword !== 'if').map(describe);
    return { value, problems };
  };
}
