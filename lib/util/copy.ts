/**
 * Copies of what callers pass, so a later change to their array or object cannot reach the
 * manifests unchecked. Values of the wrong shape are kept as they are, for the rules to report.
 */

/** A frozen copy of an array prop; undefined stays undefined, a non-array is returned unchanged. */
export function copyArray<T>(value: readonly T[] | undefined): readonly T[] | undefined {
  return Array.isArray(value) ? Object.freeze([...value]) : value;
}

/** A frozen copy of a string map prop, own enumerable keys only, in the given order. */
export function copyMap(value: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> | undefined {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.freeze(Object.fromEntries(Object.entries(value)));
}

/** A copy of `obj` without the keys whose value is undefined, so spreading it never unsets a value. */
export function definedOnly<T extends object>(obj: T | undefined): Partial<T> {
  if (obj === undefined || obj === null || typeof obj !== 'object') return {};
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
