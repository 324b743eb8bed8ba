import { RbgTarget } from '../rbg/rbg-target';
import { CoordinationModel } from '../rbg/role-based-group';
import { RolloutBudget } from './rollout-budget';

/**
 * How the controller rolls one role out when its pod template changes (a rolling update, one
 * pod or one multi-node instance at a time by default). Values are `RolloutBudget`s:
 * `RolloutBudget.absolute(1)` or `RolloutBudget.percent(25)` of the role's replicas. Checked at synth as the RBG controller checks `rolloutStrategy`.
 */
export interface RolloutStrategyOptions {
  /**
   * Pods (instances) that may be unavailable during the update; percentages round down.
   * @default RolloutBudget.absolute(1) (the controller's default)
   */
  readonly maxUnavailable?: RolloutBudget;
  /**
   * Pods (instances) created above `replicas` during the update; percentages round up. Needs
   * spare GPUs for them.
   * @default RolloutBudget.absolute(0) (the controller's default)
   */
  readonly maxSurge?: RolloutBudget;
  /**
   * Pods (instances) with an ordinal below this keep the old revision: a canary holds the rest
   * back. Percentages round up; RBG v0.4 takes absolute numbers only.
   * @default RolloutBudget.absolute(0): every pod is updated
   */
  readonly partition?: RolloutBudget;
}

/**
 * Lockstep rollout of prefill and decode: when a change reaches both (image, model, page size,
 * KV dtype, ...), the controller keeps their update progress within `maxSkewPercent` of each
 * other, so old prefill servers are not left handing KV caches to new decode servers (or the
 * reverse) for long.
 *
 * Written the way the targeted controller reads it: a `CoordinatedPolicy` named like the group
 * (the only name the v0.7 controller reads) on RBG v0.7, `spec.coordination` on v0.6. RBG v0.4
 * has no coordination: there lockstep is off, and asking for it is an error.
 */
export interface LockstepRolloutOptions {
  /**
   * Coordinate the rollout of prefill and decode.
   * @default true on RBG v0.6 and v0.7; off on v0.4, which cannot
   */
  readonly enabled?: boolean;
  /**
   * Largest difference between the updated fractions of prefill and decode, in percent (0-100).
   * @default 10
   */
  readonly maxSkewPercent?: number;
  /**
   * Pods of each role that may be unavailable during the update, in percent of its replicas,
   * overriding the roles' own `rolloutStrategy.maxUnavailable`.
   * @default - each role's own rolloutStrategy
   */
  readonly maxUnavailablePercent?: number;
  /**
   * Part of each role kept at the old revision, in percent of its replicas, overriding the
   * roles' own partition (below 100 %, at least one pod is updated).
   * @default - each role's own partition
   */
  readonly partitionPercent?: number;
}

/** Default `maxSkewPercent` of a lockstep rollout. */
export const DEFAULT_LOCKSTEP_MAX_SKEW_PERCENT = 10;

/** Name of the coordination rule that ties prefill to decode. */
export const LOCKSTEP_POLICY_NAME = 'prefill-decode';

/**
 * The coordination of valid lockstep options, or none when lockstep is off (always on v0.4).
 * @internal
 */
export function lockstepModel(o: LockstepRolloutOptions | undefined, target: RbgTarget, roles: string[]): CoordinationModel | undefined {
  if (target === RbgTarget.V0_4 || o?.enabled === false) return undefined;
  const pct = (n: number | undefined): string | undefined => (n === undefined ? undefined : `${n}%`);
  return {
    name: LOCKSTEP_POLICY_NAME,
    roles,
    maxSkew: `${o?.maxSkewPercent ?? DEFAULT_LOCKSTEP_MAX_SKEW_PERCENT}%`,
    maxUnavailable: pct(o?.maxUnavailablePercent),
    partition: pct(o?.partitionPercent),
  };
}
