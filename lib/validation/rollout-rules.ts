import { RbgTarget } from '../rbg/rbg-target';
import { RolloutBudget } from '../serving/rollout-budget';
import { Finding, Findings } from './findings';

/** A validated budget: an absolute count or a whole percentage. */
export type Budget = { readonly count: number } | { readonly percent: number };

/**
 * Reads a `RolloutBudget` as the RBG controller reads an int-or-string (`intstr`): a whole
 * number of at least 0, or a whole percentage; undefined with an error otherwise.
 * @internal
 */
export function budgetOf(f: Findings, field: string, v: unknown, maxPercent: number): Budget | undefined {
  if (!(v instanceof RolloutBudget)) {
    f.error(field, v, 'must be RolloutBudget.absolute(n) or RolloutBudget.percent(p)');
    return undefined;
  }
  const raw: unknown = v._value;
  if (typeof raw === 'number') {
    if (Number.isInteger(raw) && raw >= 0 && raw <= 1_000_000) return { count: raw };
    f.error(field, raw, 'must be a whole number of pods, at least 0');
    return undefined;
  }
  const m = typeof raw === 'string' ? /^([0-9]+)%$/.exec(raw) : null;
  if (m !== null && Number(m[1]) <= maxPercent) return { percent: Number(m[1]) };
  f.error(field, raw, `must be a whole percentage from 0% to ${maxPercent}% (the controller reads percentages with integer parsing)`);
  return undefined;
}

/** `intstr.GetScaledValueFromIntOrPercent`: a percentage of `total`, rounded up or down. */
export function scaled(b: Budget, total: number, roundUp: boolean): number {
  if ('count' in b) return b.count;
  const x = (b.percent * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** The emitted form of a budget: a number or `N%`. */
export function budgetValue(b: Budget): number | string {
  return 'count' in b ? b.count : `${b.percent}%`;
}

/** The validated rollout strategy of a role. */
export interface ValidRollout {
  readonly maxUnavailable?: Budget;
  readonly maxSurge?: Budget;
  readonly partition?: Budget;
}

const ROLLOUT_KEYS = ['maxUnavailable', 'maxSurge', 'partition'];

/**
 * A role's `rolloutStrategy`, checked as the RBG controller checks it before it creates the
 * workload (`validateRolloutStrategy` in each release's reconciler): int-or-percent values,
 * maxSurge scaled up and maxUnavailable scaled down on the replicas, and not both zero (the
 * controller refuses the role: "maxUnavailable may not be 0 when maxSurge is 0"). A partition
 * is absolute on RBG v0.4 (its CRD types it as an integer). A partition that holds back every
 * pod is a warning.
 * @internal
 */
export function rolloutRules(value: unknown, replicas: unknown, rbg: unknown): { findings: Finding[]; valid?: ValidRollout } {
  const f = new Findings();
  if (value === undefined) return { findings: f.list, valid: undefined };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    f.error('rolloutStrategy', value, 'must be an object { maxUnavailable?, maxSurge?, partition? }');
    return { findings: f.list };
  }
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!ROLLOUT_KEYS.includes(k)) f.error(`rolloutStrategy.${k}`, o[k], `is not a field of rolloutStrategy (${ROLLOUT_KEYS.join(', ')})`);
  const read = (k: string): Budget | undefined => (o[k] === undefined ? undefined : budgetOf(f, `rolloutStrategy.${k}`, o[k], 100));
  const valid: ValidRollout = { maxUnavailable: read('maxUnavailable'), maxSurge: read('maxSurge'), partition: read('partition') };
  if (f.list.length > 0) return { findings: f.list };
  if (rbg === RbgTarget.V0_4 && valid.partition !== undefined && 'percent' in valid.partition) {
    f.error('rolloutStrategy.partition', `${valid.partition.percent}%`, 'must be absolute on RBG v0.4 (its CRD types the partition as an integer); use RolloutBudget.absolute(n)');
  }
  if (typeof replicas === 'number' && Number.isInteger(replicas) && replicas >= 1) {
    const surge = scaled(valid.maxSurge ?? { count: 0 }, replicas, true);
    const unavailable = scaled(valid.maxUnavailable ?? { count: 1 }, replicas, false);
    if (surge === 0 && unavailable === 0) {
      f.error('rolloutStrategy.maxUnavailable', budgetValue(valid.maxUnavailable ?? { count: 1 }),
        `is 0 of ${replicas} replica(s) while maxSurge is 0: the RBG controller refuses the role ("maxUnavailable may not be 0 when maxSurge is 0"); allow at least one unavailable or surge pod`);
    }
    if (valid.partition !== undefined && scaled(valid.partition, replicas, true) >= replicas) {
      f.warn('rolloutStrategy.partition', budgetValue(valid.partition), `holds back all ${replicas} replica(s): no pod of the role is updated until it is lowered`);
    }
  }
  return { findings: f.list, valid: f.list.some((x) => x.severity === 'error') ? undefined : valid };
}

const LOCKSTEP_KEYS = ['enabled', 'maxSkewPercent', 'maxUnavailablePercent', 'partitionPercent'];

/**
 * The `lockstep` prop of a group: whole percentages from 0 to 100; RBG v0.4, which has no
 * coordination, refuses lockstep when it is asked for.
 * @internal
 */
export function lockstepRules(value: unknown, rbg: unknown, roles: ReadonlyArray<{ readonly roleName: string; readonly replicas: unknown; readonly rollout: unknown }> = []): Finding[] {
  const f = new Findings();
  if (value === undefined) return f.list;
  const o = f.options('lockstep', value, LOCKSTEP_KEYS, 'an option of lockstep', 'an object { enabled?, maxSkewPercent?, maxUnavailablePercent?, partitionPercent? }');
  if (o === undefined) return f.list;
  f.boolean('lockstep.enabled', o.enabled);
  for (const k of LOCKSTEP_KEYS.slice(1)) if (o[k] !== undefined) f.integer(`lockstep.${k}`, o[k], 0, 100);
  if (rbg === RbgTarget.V0_4 && o.enabled !== false) {
    f.error('lockstep', value, 'RBG v0.4 has no coordination of roles (spec.coordination came with v0.5, CoordinatedPolicy with v0.7): target RbgTarget.V0_6 or V0_7, or remove lockstep');
  }
  // The lockstep maxUnavailable replaces each role's own; rounded down to 0 without a surge, the
  // role's update would never take a step.
  const pct = o.maxUnavailablePercent;
  if (!f.failed('lockstep') && typeof pct === 'number' && o.enabled !== false) {
    for (const r of roles) {
      if (typeof r.replicas !== 'number' || !Number.isInteger(r.replicas) || r.replicas < 1) continue;
      const own = rolloutRules(r.rollout, r.replicas, rbg).valid;
      const surge = scaled(own?.maxSurge ?? { count: 0 }, r.replicas, true);
      if (surge === 0 && scaled({ percent: pct }, r.replicas, false) === 0) {
        f.error('lockstep.maxUnavailablePercent', pct, `is 0 pods of ${r.roleName}'s ${r.replicas} replica(s) (rounded down) and ${r.roleName} has no maxSurge: its update would never take a step; raise it or give ${r.roleName} a rolloutStrategy.maxSurge`);
      }
    }
  }
  return f.list;
}
