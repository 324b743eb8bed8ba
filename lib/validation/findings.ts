import { showValue } from './problem';

/**
 * A problem found by a rule, before it is tied to a construct path.
 * @internal
 */
export interface Finding {
  /** The prop that holds the bad value. */
  readonly field: string;
  /** The value, already rendered (see `showValue`). */
  readonly value: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
  /** Errors fail the synth; warnings are printed by `synthesize()`. */
  readonly severity: 'error' | 'warning';
}

/**
 * Collects the findings of one rule; rules are pure functions that fill one and return its list.
 * @internal
 */
export class Findings {
  public readonly list: Finding[] = [];

  /** Reports an error. */
  public error(field: string, value: unknown, message: string): void {
    this.list.push({ field, value: showValue(value), message, severity: 'error' });
  }

  /** Reports a warning. */
  public warn(field: string, value: unknown, message: string): void {
    this.list.push({ field, value: showValue(value), message, severity: 'warning' });
  }

  /** Reports an error with a value that must not be shown (a credential). */
  public secret(field: string, message: string): void {
    this.list.push({ field, value: showValue('<redacted>'), message, severity: 'error' });
  }

  /** Adds an error unless `value` is an integer within [min, max]; true when valid. */
  public integer(field: string, value: unknown, min: number, max: number): value is number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.error(field, value, `must be an integer from ${min} to ${max}`);
      return false;
    }
    return true;
  }

  /** Adds an error unless `value` is undefined or a boolean; true when valid. */
  public boolean(field: string, value: unknown): boolean {
    if (value !== undefined && typeof value !== 'boolean') {
      this.error(field, value, 'must be true or false');
      return false;
    }
    return true;
  }

  /** Adds an error unless `value` is one of the enum's values; true when valid. */
  public oneOf(field: string, value: unknown, allowed: readonly string[], hint: string): boolean {
    if (typeof value !== 'string' || !allowed.includes(value)) {
      this.error(field, value, `must be ${hint} (one of ${allowed.join(', ')})`);
      return false;
    }
    return true;
  }

  /**
   * Adds an error unless `value` is a plain object, and one per key that is not in `keys`
   * (`<field>.<key>`); the object when it is one.
   * @param what how the error names the object's kind, e.g. "an option of lockstep"
   * @param shape what the object looks like, for the error on a non-object
   */
  public options(field: string, value: unknown, keys: readonly string[], what: string, shape: string): Record<string, unknown> | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.error(field, value, `must be ${shape}`);
      return undefined;
    }
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!keys.includes(k)) this.error(`${field}.${k}`, o[k], `is not ${what} (${keys.join(', ')})`);
    return o;
  }

  /** True when an error has been reported for one of `fields` (or a field below it). */
  public failed(...fields: string[]): boolean {
    return this.list.some((f) => f.severity === 'error' && fields.some((x) => f.field === x || f.field.startsWith(`${x}.`)));
  }
}
