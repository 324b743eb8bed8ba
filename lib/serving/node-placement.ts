import { k8s } from '../rbg/k8s';

/**
 * Effect of a node taint a toleration matches.
 */
export enum TaintEffect {
  /** New pods are not scheduled onto the node. */
  NO_SCHEDULE = 'NoSchedule',
  /** The scheduler avoids the node. */
  PREFER_NO_SCHEDULE = 'PreferNoSchedule',
  /** Pods are not scheduled and running ones are evicted. */
  NO_EXECUTE = 'NoExecute',
}

/**
 * How a toleration compares the taint's value.
 */
export enum TolerationOperator {
  /** The taint's value equals `value`. */
  EQUAL = 'Equal',
  /** Any value (no `value` given). */
  EXISTS = 'Exists',
}

/**
 * A toleration of the pods of a role: lets them run on nodes with a matching taint (it does not
 * steer them there; combine it with `nodeSelector` or `requiredNodeAffinity`).
 */
export interface Toleration {
  /**
   * Taint key, e.g. `nvidia.com/gpu`.
   * @default - every key (only with `TolerationOperator.EXISTS`)
   */
  readonly key?: string;
  /**
   * How the value is compared.
   * @default TolerationOperator.EQUAL
   */
  readonly operator?: TolerationOperator;
  /**
   * Taint value, for `TolerationOperator.EQUAL`.
   * @default '' (the empty value)
   */
  readonly value?: string;
  /**
   * Taint effect matched.
   * @default - every effect
   */
  readonly effect?: TaintEffect;
  /**
   * How long a pod stays on a node once a matching `NO_EXECUTE` taint appears.
   * @default - forever
   */
  readonly tolerationSeconds?: number;
}

/**
 * Operator of a node label requirement.
 */
export enum NodeSelectorOperator {
  /** The label's value is one of `values`. */
  IN = 'In',
  /** The label is absent or its value is none of `values`. */
  NOT_IN = 'NotIn',
  /** The label is present; no `values`. */
  EXISTS = 'Exists',
  /** The label is absent; no `values`. */
  DOES_NOT_EXIST = 'DoesNotExist',
  /** The label's value, an integer, is greater than the one value given. */
  GT = 'Gt',
  /** The label's value, an integer, is less than the one value given. */
  LT = 'Lt',
}

/**
 * One requirement on a node label.
 */
export interface NodeRequirement {
  /** Node label key, e.g. `node.kubernetes.io/instance-type`. */
  readonly key: string;
  /** How the label is compared. */
  readonly operator: NodeSelectorOperator;
  /**
   * Values: at least one for `IN`/`NOT_IN`, exactly one integer for `GT`/`LT`, none otherwise.
   * @default - none
   */
  readonly values?: string[];
}

/**
 * Node requirements the scheduler prefers, with a weight.
 */
export interface PreferredNodeRequirements {
  /** Weight from 1 to 100, added to a node's score when every requirement holds. */
  readonly weight: number;
  /** The requirements, all of which must hold (at least one). */
  readonly requirements: NodeRequirement[];
}

/**
 * A toleration of the taint that GPU node pools often carry (`nvidia.com/gpu`, any value,
 * `NoSchedule`), for `tolerations: [GPU_NODE_TOLERATION]` on prefill and decode. Not applied by
 * default: the GPU request already steers the pods to GPU nodes, and untainted pools need none.
 */
export const GPU_NODE_TOLERATION: Toleration = Object.freeze({ key: 'nvidia.com/gpu', operator: TolerationOperator.EXISTS, effect: TaintEffect.NO_SCHEDULE });

/**
 * Tolerations as the API writes them.
 * @internal
 */
export function toKubeTolerations(ts: readonly Toleration[]): k8s.Toleration[] {
  return ts.map((t) => ({ key: t.key, operator: t.operator, value: t.value, effect: t.effect, tolerationSeconds: t.tolerationSeconds }));
}

/**
 * Node affinity as the API writes it: the required requirements form one node selector term.
 * @internal
 */
export function toKubeNodeAffinity(required: readonly NodeRequirement[], preferred: readonly PreferredNodeRequirements[]): k8s.NodeAffinity | undefined {
  const expr = (r: NodeRequirement): k8s.NodeSelectorRequirement => ({ key: r.key, operator: r.operator, values: r.values === undefined ? undefined : [...r.values] });
  if (required.length === 0 && preferred.length === 0) return undefined;
  return {
    requiredDuringSchedulingIgnoredDuringExecution: required.length === 0 ? undefined : { nodeSelectorTerms: [{ matchExpressions: required.map(expr) }] },
    preferredDuringSchedulingIgnoredDuringExecution: preferred.length === 0 ? undefined
      : preferred.map((p) => ({ weight: p.weight, preference: { matchExpressions: p.requirements.map(expr) } })),
  };
}
