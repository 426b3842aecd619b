/** Locations inside the installed package, independent of the process's working directory. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

// Compiled to dist/gateway/paths.js: the package root is two levels above this file's folder.
const here = path.dirname(fileURLToPath(import.meta.url));

/** The package root (where package.json, schemas/ and providers/ live). */
export const PACKAGE_ROOT = path.resolve(here, '..', '..');

/** Folder holding the JSON Schemas. */
export const SCHEMAS_DIR = path.join(PACKAGE_ROOT, 'schemas');
