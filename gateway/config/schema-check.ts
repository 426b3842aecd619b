/**
 * Validates parsed config files against our JSON Schemas (ajv, draft 2020-12) and reports every
 * problem at its `file:line:col`, in words: see error-messages.ts for the wording and
 * tame-combinators.ts for how oneOf/anyOf noise is reduced.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ConfigDiagnostic } from '../errors.js';
import { SCHEMAS_DIR } from '../paths.js';
import { sortDiagnostics } from './diagnostics.js';
import { describeError } from './error-messages.js';
import { displayPointer, isWithin, toPointer } from './pointer.js';
import { SchemaIndex } from './schema-index.js';
import { tameCombinators } from './tame-combinators.js';
import type { YamlSource } from './yaml-source.js';

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = formatsPlugin.default;

/** Options of one check. */
export interface CheckOptions {
  /** How messages name a place; default: its JSON pointer (`the file` for the root). */
  describe?: (pointer: string) => string;
}

/** Checks sources against the schemas it was created with. */
export interface SchemaChecker {
  /**
   * The schema problems of `src` against the schema with `$id` `schemaId`, sorted by position.
   * Returns [] when `src` already has YAML or I/O errors (its value is then unreliable), and
   * leaves out problems at a node that `src` already reported a `${VAR}` problem for.
   */
  check(schemaId: string, src: YamlSource, opts?: CheckOptions): ConfigDiagnostic[];
}

function newAjv(strict: boolean): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict,
    // `oneOf: [{ required: [hmac] }, { required: [jwt] }]` with the properties declared beside the
    // oneOf is a common, correct idiom that strictRequired rejects.
    strictRequired: false,
    allowUnionTypes: true,
    // verbose: errors carry `parentSchema` (hints, allowed keys) and `data` (the value, oneOf re-checks).
    verbose: true,
    // No coercion: a quoted "8080" where a number belongs is reported (with "remove the quotes"),
    // not silently accepted; `${PORT}` is typed by YAML rules at interpolation instead.
    coerceTypes: false,
  });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  return ajv;
}

/**
 * Builds a checker over `schemas` (each needs a string `$id`). Keywords beyond the standard:
 * `x-hint` (string: the hint shown for errors at that node, preferred over `description`) and
 * `x-secret` (true: never echo this node's value in a message). All schemas are compiled here,
 * so a broken schema fails at start-up, not at the first bad config.
 *
 * @example
 * const checker = createSchemaChecker(await loadSchemas());
 * const problems = [...src.diagnostics, ...checker.check('gateway-config', src)];
 */
export function createSchemaChecker(schemas: object[]): SchemaChecker {
  const ajv = newAjv(true);
  // oneOf branches are re-validated alone (see tame-combinators.ts). Compiled as a fragment, a
  // branch no longer sees its parent's `type: object`, which strictTypes rejects; the schemas
  // have passed strict compilation in `ajv` already, so a lenient twin does this job.
  const branchAjv = newAjv(false);
  const index = new SchemaIndex(schemas);
  for (const schema of schemas) {
    ajv.addSchema(schema);
    branchAjv.addSchema(schema);
  }
  for (const schema of schemas) ajv.getSchema((schema as { $id: string }).$id);

  const validators = new Map<string, ValidateFunction>();
  const validatorFor = (instance: Ajv2020, ref: string): ValidateFunction => {
    const key = `${instance === ajv ? 'strict' : 'branch'} ${ref}`;
    let validate = validators.get(key);
    if (!validate) {
      validate = instance.getSchema(ref);
      if (!validate) throw new Error(`no schema with $id "${ref}"`);
      validators.set(key, validate);
    }
    return validate;
  };
  const run = (validate: ValidateFunction, data: unknown): ErrorObject[] => (validate(data) ? [] : [...(validate.errors ?? [])]);
  const validateBranch = (branch: unknown, data: unknown): ErrorObject[] | undefined => {
    if (branch === true) return [];
    const ref = index.refOf(branch);
    return ref === undefined ? undefined : run(validatorFor(branchAjv, ref), data);
  };

  return {
    check(schemaId, src, opts = {}) {
      if (src.diagnostics.some((d) => d.code === 'GW_ERR_CONFIG_YAML' || d.code === 'GW_ERR_CONFIG_IO')) return [];
      const errors = run(validatorFor(ajv, schemaId), src.value);
      if (errors.length === 0) return [];
      const ctx = { describe: opts.describe ?? displayPointer, index };
      const reported = src.diagnostics.flatMap((d) => (d.code === 'GW_ERR_CONFIG_ENV' && d.pointer !== undefined ? [d.pointer] : []));
      const diagnostics: ConfigDiagnostic[] = [];
      for (const error of tameCombinators(errors, validateBranch)) {
        const found = describeError(error, ctx);
        if (!found) continue;
        const pointer = toPointer(found.path);
        if (reported.some((p) => isWithin(pointer, p))) continue;
        const vars = found.key ? undefined : src.interpolated?.get(pointer);
        const fromEnv = vars && `the value comes from ${vars.map((v) => '$' + v).join(', ')}`;
        // A value taken from the environment may be a secret: it is named, never quoted (nor is a
        // did-you-mean drawn from it).
        const message = vars ? withoutValue(found.message, vars) : found.message;
        const hint = [vars && found.hint?.startsWith('did you mean') ? undefined : found.hint, fromEnv].filter(Boolean).join('; ');
        diagnostics.push({
          code: found.code,
          file: src.file,
          ...src.positionOf(found.path, { key: found.key }),
          message,
          ...(hint ? { hint } : {}),
          pointer,
        });
      }
      return sortDiagnostics(diagnostics);
    },
  };
}

/**
 * Reads every `*.schema.json` in `dir` (default: the package's schemas/), in name order.
 *
 * @example const checker = createSchemaChecker(await loadSchemas());
 */
export async function loadSchemas(dir: string = SCHEMAS_DIR): Promise<object[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.schema.json')).sort();
  return Promise.all(
    names.map(async (name) => {
      const text = await readFile(path.join(dir, name), 'utf8');
      try {
        return JSON.parse(text) as object;
      } catch (err) {
        throw new Error(`${path.join(dir, name)}: ${(err as Error).message}`);
      }
    }),
  );
}

/** `…, got "s3cr3t"` → `…, got the value of $VAR`. */
function withoutValue(message: string, vars: readonly string[]): string {
  const i = message.indexOf(', got ');
  const named = `the value of ${vars.map((v) => '$' + v).join(', ')}`;
  return i < 0 ? message : `${message.slice(0, i)}, got ${named}`;
}
