import { k8s } from '../rbg/k8s';

/**
 * Operator of one label requirement (`matchExpressions[].operator`).
 */
export enum LabelSelectorOperator {
  /** The label's value is one of `values`. */
  IN = 'In',
  /** The label is absent, or its value is none of `values`. */
  NOT_IN = 'NotIn',
  /** The label is present (any value); takes no `values`. */
  EXISTS = 'Exists',
  /** The label is absent; takes no `values`. */
  DOES_NOT_EXIST = 'DoesNotExist',
}

/**
 * One requirement on a label.
 */
export interface LabelRequirement {
  /** Label key, e.g. `app.kubernetes.io/name`. */
  readonly key: string;
  /** How the label is compared. */
  readonly operator: LabelSelectorOperator;
  /**
   * Values for `IN` and `NOT_IN` (at least one); none for `EXISTS` and `DOES_NOT_EXIST`.
   * @default - none
   */
  readonly values?: string[];
}

/**
 * A Kubernetes label selector: every label in `matchLabels` and every requirement in
 * `matchExpressions` must hold. An empty selector (`{}`) selects everything. Checked at synth
 * as the API server checks one.
 */
export interface LabelSelector {
  /**
   * Labels that must be present with exactly these values.
   * @default - none
   */
  readonly matchLabels?: Record<string, string>;
  /**
   * Further requirements, all of which must hold.
   * @default - none
   */
  readonly matchExpressions?: LabelRequirement[];
}

/**
 * The selector as the API writes it.
 * @internal
 */
export function toKubeSelector(s: LabelSelector): k8s.LabelSelector {
  const labels = s.matchLabels === undefined ? undefined : Object.fromEntries(Object.entries(s.matchLabels));
  const expressions = s.matchExpressions?.map((r) => ({ key: r.key, operator: r.operator, values: r.values === undefined ? undefined : [...r.values] }));
  return {
    matchLabels: labels !== undefined && Object.keys(labels).length > 0 ? labels : undefined,
    matchExpressions: expressions !== undefined && expressions.length > 0 ? expressions : undefined,
  };
}
