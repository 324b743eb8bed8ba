/**
 * A number of pods (or multi-node instances) of one role during a rolling update: absolute, or a
 * percentage of the role's replicas, as Kubernetes' int-or-percent fields take it. Used by
 * `RolloutStrategyOptions`; checked at synth as the RBG controller checks it (whole counts of at
 * least 0, whole percentages).
 */
export class RolloutBudget {
  /** `count` pods (instances). */
  public static absolute(count: number): RolloutBudget {
    return new RolloutBudget(count);
  }

  /** `percent` % of the role's replicas. */
  public static percent(percent: number): RolloutBudget {
    return new RolloutBudget(typeof percent === 'number' ? `${percent}%` : percent);
  }

  /**
   * What was given: a number for `absolute`, `"<n>%"` for `percent` (anything else from a
   * JavaScript caller, for the rules to refuse).
   * @internal
   */
  public readonly _value: unknown;

  private constructor(value: unknown) {
    this._value = value;
    Object.freeze(this);
  }

  /** The value as the manifest writes it: `1` or `25%`. */
  public toString(): string {
    return String(this._value);
  }
}
