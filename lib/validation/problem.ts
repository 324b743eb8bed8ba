import { Construct, IConstruct } from 'constructs';

/**
 * One problem found in the configuration of a construct.
 */
export interface ValidationProblem {
  /** Construct path, e.g. `sglang-pd/pd/prefill`. */
  readonly path: string;
  /** Property that holds the bad value, e.g. `prefill.replicas`. */
  readonly field: string;
  /** The offending value, rendered for humans. */
  readonly value: string;
  /** What is wrong and what would be valid. */
  readonly message: string;
}

/**
 * Thrown at synth time, before any manifest is written, when one or more constructs of this
 * library are configured in a way that would produce a broken deployment. Lists every problem
 * of the app, not only the first.
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
      + problems.map((p) => `  - [${p.path}] ${p.field} = ${p.value}: ${p.message}`).join('\n'),
    );
    this.name = 'SglangPdValidationError';
    this.problems = problems;
  }
}

/**
 * Renders any value for an error message without producing `[object Object]`.
 * @internal
 */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === undefined) return 'unset';
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json;
  } catch {
    return String(value);
  }
}

/**
 * Constructs of this library that can report problems.
 * @internal
 */
export interface IProblemSource extends IConstruct {
  /** Problems found in this construct's own configuration. */
  readonly problems: readonly ValidationProblem[];
}

const APP_CHECK = Symbol.for('cdk8s-sglang-pd.appCheck');
const ROOT_CHECK = Symbol.for('cdk8s-sglang-pd.rootCheck');

function isProblemSource(c: IConstruct): c is IProblemSource {
  return Array.isArray((c as Partial<IProblemSource>).problems) && (c as { [APP_CHECK]?: boolean })[APP_CHECK] === true;
}

/**
 * Registers `source` so that synthesis of its app fails with one SglangPdValidationError holding
 * the problems of every construct of this library in that app.
 * @internal
 */
export function registerProblemSource(source: Construct & IProblemSource): void {
  (source as unknown as { [APP_CHECK]: boolean })[APP_CHECK] = true;
  // One check per construct tree, on its root, so synthesis walks the tree once however many
  // sources it has (a check on every source made it quadratic in the number of groups).
  const root = source.node.root as IConstruct & { [ROOT_CHECK]?: boolean };
  if (root[ROOT_CHECK] === true) return;
  root[ROOT_CHECK] = true;
  root.node.addValidation({
    validate: () => {
      const all = root.node.findAll().filter(isProblemSource).flatMap((c) => [...c.problems]);
      if (all.length > 0) {
        throw new SglangPdValidationError(all);
      }
      return [];
    },
  });
}

/**
 * Collects problems for one construct.
 * @internal
 */
export class ProblemCollector {
  public readonly problems: ValidationProblem[] = [];
  constructor(private readonly path: string) {}

  public add(field: string, value: unknown, message: string): void {
    this.problems.push({ path: this.path, field, value: showValue(value), message });
  }

  /** Adds a problem unless `value` is an integer within [min, max]. Returns true when valid. */
  public integer(field: string, value: number, min: number, max: number): boolean {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.add(field, value, `must be an integer from ${min} to ${max}`);
      return false;
    }
    return true;
  }
}
