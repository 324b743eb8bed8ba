import { Duration } from 'cdk8s';

/** Whole seconds of a cdk8s Duration; NaN when the value is not a Duration or not whole seconds. */
export function durationSeconds(value: unknown): number {
  if (!(value instanceof Duration)) return NaN;
  try {
    const seconds = value.toSeconds();
    return Number.isInteger(seconds) ? seconds : NaN;
  } catch {
    return NaN;
  }
}

/** A Duration as a message shows it (`7200s`, `1500ms`); other values as they are. */
export function shownDuration(value: unknown): unknown {
  if (!(value instanceof Duration)) return value;
  try {
    const ms = value.toMilliseconds();
    return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
  } catch {
    return value;
  }
}
