/* Lockstep rollout of prefill and decode (CoordinatedPolicy / spec.coordination) and per-role rollout strategies. */
import { Chart, Testing } from 'cdk8s';
import { lockstepRollout } from '../examples/lockstep-rollout';
import { tutorialGroup } from '../examples/tutorial';
import { LOCKSTEP_POLICY_NAME, PdServingGroupProps, RbgTarget, RolloutBudget, validate } from '../lib';
import { errorLines, strictSynth, warningLines } from './support/check';
import { validateManifests } from './schema/strict-schema';
import { findObject, findRole, Manifest } from './util';

function synth(overrides: Partial<PdServingGroupProps> = {}): Manifest[] {
  const chart = Testing.chart();
  tutorialGroup(chart, overrides);
  return strictSynth(chart);
}

function chartOf(overrides: Partial<PdServingGroupProps>): Chart {
  const chart = Testing.chart();
  tutorialGroup(chart, overrides);
  return chart;
}
const problems = (overrides: Partial<PdServingGroupProps>): string[] => errorLines(chartOf(overrides));

describe('lockstep rollout per controller release', () => {
  test('v0.7 (default): a CoordinatedPolicy named exactly like the group, maximum skew 10 %', () => {
    // GIVEN the tutorial group WHEN synthesized THEN one CoordinatedPolicy ties prefill to decode
    const manifests = synth();
    const policy = findObject(manifests, 'CoordinatedPolicy', 'sglang-pd');
    expect(policy.apiVersion).toBe('workloads.x-k8s.io/v1alpha2');
    expect(policy.spec).toEqual({ policies: [{ name: 'prefill-decode', roles: ['prefill', 'decode'], strategy: { rollingUpdate: { maxSkew: '10%' } } }] });
    expect(LOCKSTEP_POLICY_NAME).toBe('prefill-decode');
    expect(findObject(manifests, 'RoleBasedGroup', 'sglang-pd').spec.coordination).toBeUndefined();
    expect(validateManifests(manifests)).toEqual([]);
  });

  test('the policy follows the group name and namespace, and carries the lockstep options', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
    tutorialGroup(chart, { name: 'qwen', lockstep: { maxSkewPercent: 25, maxUnavailablePercent: 100, partitionPercent: 0 } });
    const policy = findObject(strictSynth(chart), 'CoordinatedPolicy', 'qwen');
    expect(policy.metadata.namespace).toBe('llm');
    expect(policy.spec.policies[0].strategy.rollingUpdate).toEqual({ maxSkew: '25%', maxUnavailable: '100%', partition: '0%' });
  });

  test('v0.6: spec.coordination in the group, no CoordinatedPolicy (example lockstep-rollout)', () => {
    const manifests = strictSynth(lockstepRollout(Testing.app()));
    const rbg = findObject(manifests, 'RoleBasedGroup', 'sglang-pd');
    expect(rbg.spec.coordination).toEqual([{ name: 'prefill-decode', roles: ['prefill', 'decode'], strategy: { rollingUpdate: { maxSkew: '20%' } } }]);
    expect(manifests.filter((m) => m.kind === 'CoordinatedPolicy')).toEqual([]);
    expect(validateManifests(manifests)).toEqual([]);
  });

  test('v0.4 has no coordination: off by default, an error when asked for', () => {
    const manifests = synth({ rbg: RbgTarget.V0_4 });
    expect(manifests.filter((m) => m.kind === 'CoordinatedPolicy')).toEqual([]);
    expect(findObject(manifests, 'RoleBasedGroup', 'sglang-pd').spec.coordination).toBeUndefined();
    expect(problems({ rbg: RbgTarget.V0_4, lockstep: { maxSkewPercent: 5 } })).toEqual([
      'test/pd lockstep={"maxSkewPercent":5}: RBG v0.4 has no coordination of roles (spec.coordination came with v0.5, CoordinatedPolicy with v0.7): target RbgTarget.V0_6 or V0_7, or remove lockstep',
    ]);
    expect(problems({ rbg: RbgTarget.V0_4, lockstep: { enabled: false } })).toEqual([]);
  });

  test('{ enabled: false } emits no coordination on v0.6 or v0.7', () => {
    expect(synth({ lockstep: { enabled: false } }).filter((m) => m.kind === 'CoordinatedPolicy')).toEqual([]);
    expect(findObject(synth({ rbg: RbgTarget.V0_6, lockstep: { enabled: false } }), 'RoleBasedGroup', 'sglang-pd').spec.coordination).toBeUndefined();
  });

  test('bad lockstep options are refused, naming the field', () => {
    expect(problems({ lockstep: { maxSkewPercent: 150, partitionPercent: 2.5, skew: 1 } as any })).toEqual([
      'test/pd lockstep.skew=1: is not an option of lockstep (enabled, maxSkewPercent, maxUnavailablePercent, partitionPercent)',
      'test/pd lockstep.maxSkewPercent=150: must be an integer from 0 to 100',
      'test/pd lockstep.partitionPercent=2.5: must be an integer from 0 to 100',
    ]);
  });

  test('a lockstep maxUnavailable that rounds to 0 pods of a role without surge is refused', () => {
    // decode has 1 replica: 50 % of it rounds down to 0
    expect(problems({ lockstep: { maxUnavailablePercent: 50 } })).toEqual([
      "test/pd lockstep.maxUnavailablePercent=50: is 0 pods of decode's 1 replica(s) (rounded down) and decode has no maxSurge: its update would never take a step; raise it or give decode a rolloutStrategy.maxSurge",
    ]);
    expect(problems({ lockstep: { maxUnavailablePercent: 50 }, decode: { replicas: 1, rolloutStrategy: { maxSurge: RolloutBudget.absolute(1) } } })).toEqual([]);
  });
});

describe('per-role rollout strategy', () => {
  const budget = { maxUnavailable: RolloutBudget.percent(25), maxSurge: RolloutBudget.absolute(1), partition: RolloutBudget.absolute(1) };

  test.each(RbgTarget.ALL.map((t) => [t.release, t] as const))('%s: rolloutStrategy as the CRD types it', (_release, target) => {
    const manifests = synth({ rbg: target, prefill: { replicas: 2, rolloutStrategy: budget } });
    const rbg = findObject(manifests, 'RoleBasedGroup', 'sglang-pd');
    expect(findRole(rbg, 'prefill').rolloutStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1, partition: 1 } });
    expect(findRole(rbg, 'decode').rolloutStrategy).toBeUndefined();
    expect(validateManifests(manifests)).toEqual([]);
  });

  test('maxUnavailable and maxSurge both 0 (after rounding) is refused as the controller refuses it', () => {
    expect(problems({ decode: { replicas: 1, rolloutStrategy: { maxUnavailable: RolloutBudget.percent(50) } } })).toEqual([
      'test/pd/decode rolloutStrategy.maxUnavailable="50%": is 0 of 1 replica(s) while maxSurge is 0: the RBG controller refuses the role ("maxUnavailable may not be 0 when maxSurge is 0"); allow at least one unavailable or surge pod',
    ]);
    // maxSurge rounds up: 10 % of 1 replica is one surge pod
    expect(problems({ decode: { replicas: 1, rolloutStrategy: { maxUnavailable: RolloutBudget.absolute(0), maxSurge: RolloutBudget.percent(10) } } })).toEqual([]);
  });

  test('a percentage partition is refused on v0.4; a partition holding back every pod warns', () => {
    expect(problems({ rbg: RbgTarget.V0_4, prefill: { replicas: 2, rolloutStrategy: { partition: RolloutBudget.percent(50) } } })).toEqual([
      'test/pd/prefill rolloutStrategy.partition="50%": must be absolute on RBG v0.4 (its CRD types the partition as an integer); use RolloutBudget.absolute(n)',
    ]);
    const chart = chartOf({ prefill: { replicas: 2, rolloutStrategy: { partition: RolloutBudget.absolute(2) } } });
    expect(validate(chart).errors).toEqual([]);
    expect(warningLines(chart)).toContain('test/pd/prefill rolloutStrategy.partition=2: holds back all 2 replica(s): no pod of the role is updated until it is lowered');
  });

  test('values that are not whole counts or percentages are refused', () => {
    expect(problems({
      router: { rolloutStrategy: { maxSurge: '25%' as any, maxUnavailable: RolloutBudget.percent(12.5), partition: RolloutBudget.absolute(-1), paused: true } as any },
    })).toEqual([
      'test/pd/router rolloutStrategy.paused=true: is not a field of rolloutStrategy (maxUnavailable, maxSurge, partition)',
      'test/pd/router rolloutStrategy.maxUnavailable="12.5%": must be a whole percentage from 0% to 100% (the controller reads percentages with integer parsing)',
      'test/pd/router rolloutStrategy.maxSurge="25%": must be RolloutBudget.absolute(n) or RolloutBudget.percent(p)',
      'test/pd/router rolloutStrategy.partition=-1: must be a whole number of pods, at least 0',
    ]);
  });
});

test('GIVEN RolloutBudget values WHEN written THEN as the int-or-percent the manifest holds', () => {
  expect([RolloutBudget.absolute(1), RolloutBudget.percent(25), RolloutBudget.percent(0)].map(String)).toEqual(['1', '25%', '0%']);
  expect(Object.isFrozen(RolloutBudget.percent(5))).toBe(true);
});
