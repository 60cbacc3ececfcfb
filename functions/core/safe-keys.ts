// Objects keyed by strings that come from clients (GT field names, file names, header names…): a key
// like "__proto__" must never reach Object.prototype (issue 9 #2). Use `dict()` for such maps, `ownValue`
// to read them, and drop the keys that mean something to JavaScript when parsing input.

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** True for keys that read or write an object's prototype chain instead of an own property. */
export const isUnsafeKey = (key: string): boolean => UNSAFE_KEYS.has(key);

/** An empty object without a prototype: `d[key] ??= …` is safe for any key. */
export const dict = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/** `obj[key]` for own properties only (never an inherited one such as `constructor`). */
export const ownValue = (obj: Record<string, unknown>, key: string): unknown => (Object.hasOwn(obj, key) ? obj[key] : undefined);

/** A copy of a parsed JSON value with the unsafe keys dropped at every depth, objects without a prototype. */
export function withoutUnsafeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUnsafeKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out = dict<unknown>();
  for (const [k, v] of Object.entries(value)) if (!isUnsafeKey(k)) out[k] = withoutUnsafeKeys(v);
  return out;
}
