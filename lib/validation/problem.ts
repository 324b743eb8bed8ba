/**
 * One problem found in the configuration of a construct.
 */
export interface ValidationProblem {
  /** Construct path, e.g. `sglang-pd/pd/prefill`. */
  readonly path: string;
  /** Property that holds the bad value, e.g. `replicas`. */
  readonly field: string;
  /** The offending value, rendered for humans (credentials are never shown). */
  readonly value: string;
  /** What is wrong and what would be valid. */
  readonly message: string;
}

/**
 * Thrown by `synthesize()` before any manifest is written, when the app holds configuration that
 * would produce a broken deployment. Lists every problem of the app (this library's and the app's
 * own `node.addValidation` messages), not only the first.
 */
export class SglangPdValidationError extends Error {
  /** Every problem found, in construct order. */
  public readonly problems: ValidationProblem[];

  /**
   * Creates the error; its message lists every problem, one per line.
   * @param problems every problem found, in construct order
   */
  constructor(problems: ValidationProblem[]) {
    super(
      `cdk8s-sglang-pd: ${problems.length} configuration problem${problems.length === 1 ? '' : 's'}:\n`
      + problems.map((p) => `  - ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'SglangPdValidationError';
    this.problems = problems;
  }
}

/**
 * One problem as one line: `[path] field = value: message`.
 * @internal
 */
export function formatProblem(p: ValidationProblem): string {
  return p.field === '' ? `[${p.path}] ${p.message}` : `[${p.path}] ${p.field} = ${p.value}: ${p.message}`;
}

/**
 * Renders any value for an error message without producing `[object Object]` or throwing.
 * @internal
 */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === undefined) return 'unset';
  if (typeof value === 'function' || typeof value === 'symbol') return `a ${typeof value}`;
  try {
    const json = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    if (json === undefined) return String(value);
    return json.length > 200 ? `${json.slice(0, 197)}...` : json;
  } catch {
    const name = (value as object)?.constructor?.name;
    return name ? `a ${name}` : 'a value that cannot be shown';
  }
}
