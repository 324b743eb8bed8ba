/**
 * Argument checks of the pure engine-memory functions: their callers validate user input first,
 * so a failure here is a programming error, reported as a RangeError naming the argument.
 */

/** @internal */
export function positive(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a finite number > 0, got ${String(v)}`);
  return v;
}

/** @internal */
export function integer(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new RangeError(`${name} must be an integer, got ${String(v)}`);
  return v;
}

/** @internal */
export function positiveInteger(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be an integer >= 1, got ${String(v)}`);
  return v;
}

/** @internal */
export function fraction(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 1) throw new RangeError(`${name} must be in (0, 1], got ${String(v)}`);
  return v;
}
