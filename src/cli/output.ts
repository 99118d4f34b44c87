/**
 * @module CLI output: human text by default, `--json` for scripts. JSON on the wire is snake_case,
 * and lists print as `{"object": "list", "data": [...]}` like the HTTP API.
 */

/** Recursively converts object keys from camelCase to snake_case; strings and arrays of values stay. */
export function toWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toWire);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[snakeCase(key)] = toWire(inner);
  }
  return out;
}

export function snakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(toWire(value), null, 2)}\n`);
}

export function printList(items: unknown[], extra: Record<string, unknown> = {}): void {
  printJson({ object: 'list', data: items, ...extra });
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function printError(text: string): void {
  process.stderr.write(`${text}\n`);
}
