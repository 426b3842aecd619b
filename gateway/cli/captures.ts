/** `capture` / `{capture:NAME}` of `gateway test` examples: values one example hands to the next. */
export const CAPTURE_REF = /\{capture:([A-Za-z0-9_]+)\}/g;

/** `{capture:NAME}` replaced by a captured value (JSON-escaped inside a JSON body). */
export function insertCaptures(text: string, captured: ReadonlyMap<string, string>, json: boolean): string {
  return text.replace(CAPTURE_REF, (_m, n: string) => {
    const v = captured.get(n) ?? `unknown-${n}`;
    return json ? JSON.stringify(v).slice(1, -1) : v;
  });
}

/**
 * Records `capture` sources read from an answer body: `body.a.b`, or `body.a#param` for a query
 * parameter of a URL-valued field (a launch URL carrying a session request id).
 */
export function captureAll(capture: Readonly<Record<string, string>> | undefined, json: unknown, captured: Map<string, string>): void {
  for (const [name, src] of Object.entries(capture ?? {})) {
    const [fieldPath, param] = src.split('#', 2) as [string, string | undefined];
    let v = fieldPath.slice(5).split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), json);
    if (param !== undefined) {
      try {
        v = new URL(String(v)).searchParams.get(param) ?? undefined;
      } catch {
        v = undefined;
      }
    }
    if (v !== undefined) captured.set(name, String(v));
  }
}
