import { frozenCopy } from './json';

/**
 * Copies of what callers pass, so a later change to their array or object cannot reach the
 * manifests (or the messages about them) unchecked. Values of the wrong shape are copied too,
 * as far as they are plain objects and arrays, for the rules to report as they were passed.
 */

/**
 * The props of a construct as it owns them: a shallow copy whose plain-object and array values are
 * frozen deep copies (class instances such as a `Size` or a construct are kept as they are).
 * Anything but an object gives `{}` plus what spreading it gives, for the rules to report.
 */
export function ownedProps<T>(props: T): T {
  const spread: Record<string, unknown> = { ...((props ?? {}) as object) };
  for (const key of Object.keys(spread)) spread[key] = frozenCopy(spread[key]);
  return spread as T;
}

/**
 * A copy of `obj` without the keys whose value is undefined, so spreading it never unsets a value.
 * Its values are taken as they are: pass props a construct already owns (`ownedProps`).
 */
export function definedOnly<T extends object>(obj: T | undefined): Partial<T> {
  if (obj === undefined || obj === null || typeof obj !== 'object') return {};
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
