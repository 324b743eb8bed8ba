import { App, Chart } from 'cdk8s';
import { RbgTarget, RolloutBudget } from '../lib';
import { tutorialGroup } from './tutorial';

/**
 * The tutorial's 2P1D group for an RBG v0.6 controller (lockstep rollout in `spec.coordination`):
 * prefill and decode updated within 20 % of each other, prefill half at a time, decode replaced
 * with a surge pod first (it needs 2 spare GPUs: the 8-GPU node has them).
 */
export function lockstepRollout(app: App): Chart {
  const chart = new Chart(app, 'lockstep-rollout');
  tutorialGroup(chart, {
    rbg: RbgTarget.V0_6,
    prefill: { replicas: 2, rolloutStrategy: { maxUnavailable: RolloutBudget.percent(50) } },
    decode: { replicas: 1, rolloutStrategy: { maxSurge: RolloutBudget.absolute(1), maxUnavailable: RolloutBudget.absolute(0) } },
    lockstep: { maxSkewPercent: 20 },
    cluster: { nodes: 1 },
  });
  return chart;
}
