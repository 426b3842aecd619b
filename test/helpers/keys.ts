/** Key material of the tests: fixture files made by test/fixtures/keys/make-keys.sh, never used elsewhere. */
import path from 'node:path';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

export const KEYS_DIR = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'keys');
/** The RSA-2048 key prediction-markets signs its session JWTs with in tests (a path, as operators may give). */
export const TEST_JWT_KEY = path.join(KEYS_DIR, 'rsa-2048.key');
