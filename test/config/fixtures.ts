/** Where the config fixtures live: in the source tree, since compiled tests run from dist/. */
import path from 'node:path';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

export const FIXTURES = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'config');

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}
