/** Ordering and de-duplication of load-time diagnostics, so a report reads top to bottom once. */
import type { ConfigDiagnostic } from '../errors.js';

/**
 * Sorts by file, line, column, then message, and drops exact repeats (same place, same message).
 * Diagnostics outside any file (`line` 0, e.g. environment variables) sort before a file's lines.
 *
 * @example throw new ConfigError(sortDiagnostics([...src.diagnostics, ...checker.check('x', src)]))
 */
export function sortDiagnostics(diagnostics: Iterable<ConfigDiagnostic>): ConfigDiagnostic[] {
  const seen = new Set<string>();
  const unique: ConfigDiagnostic[] = [];
  for (const d of diagnostics) {
    const key = `${d.file}\0${d.line}\0${d.col}\0${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(d);
  }
  return unique.sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.col - b.col ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}
