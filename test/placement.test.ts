/* Placement: per-role tolerations and node affinity, prefill/decode locality, exclusive topology and gang scheduling per controller release. */
import { Chart, Duration, Testing } from 'cdk8s';
import { placement } from '../examples/placement';
import { tutorialGroup } from '../examples/tutorial';
import {
  AffinityStrength, GangScheduling, GPU_NODE_TOLERATION, NodeSelectorOperator, PdServingGroupProps, RbgTarget, TaintEffect,
  TolerationOperator,
} from '../lib';
import { errorLines, strictSynth } from './support/check';
import { validateManifests } from './schema/strict-schema';
import { findObject, findRole, Manifest, podTemplate } from './util';

function synth(overrides: Partial<PdServingGroupProps> = {}): Manifest[] {
  const chart = Testing.chart();
  tutorialGroup(chart, overrides);
  return strictSynth(chart);
}
const rbgOf = (overrides: Partial<PdServingGroupProps> = {}): Manifest => findObject(synth(overrides), 'RoleBasedGroup', 'sglang-pd');

function problems(overrides: Partial<PdServingGroupProps>, edit?: (chart: Chart) => void): string[] {
  const chart = Testing.chart();
  tutorialGroup(chart, overrides);
  edit?.(chart);
  return errorLines(chart);
}

describe('prefill and decode are kept close (KV locality)', () => {
  test('by default both need a zone shared with the group\'s other prefill and decode pods; the router does not', () => {
    // GIVEN the tutorial group WHEN synthesized THEN prefill and decode carry one required pod affinity term
    const rbg = rbgOf();
    const term = {
      labelSelector: {
        matchLabels: { 'rbg.workloads.x-k8s.io/group-name': 'sglang-pd' },
        matchExpressions: [{ key: 'rbg.workloads.x-k8s.io/role-name', operator: 'In', values: ['prefill', 'decode'] }],
      },
      topologyKey: 'topology.kubernetes.io/zone',
    };
    for (const role of ['prefill', 'decode']) {
      expect(podTemplate(rbg, role).spec.affinity).toEqual({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } });
    }
    expect(podTemplate(rbg, 'router').spec.affinity).toBeUndefined();
  });

  test('the key and strength are configurable; v0.4 selects its own labels', () => {
    const rbg = rbgOf({ rbg: RbgTarget.V0_4, placement: { kvLocalityKey: 'example.com/rack', kvLocality: AffinityStrength.PREFERRED } });
    expect(podTemplate(rbg, 'decode').spec.affinity.podAffinity).toEqual({
      preferredDuringSchedulingIgnoredDuringExecution: [{
        weight: 100,
        podAffinityTerm: {
          labelSelector: {
            matchLabels: { 'rolebasedgroup.workloads.x-k8s.io/name': 'sglang-pd' },
            matchExpressions: [{ key: 'rolebasedgroup.workloads.x-k8s.io/role', operator: 'In', values: ['prefill', 'decode'] }],
          },
          topologyKey: 'example.com/rack',
        },
      }],
    });
    expect(podTemplate(rbgOf({ placement: { kvLocality: AffinityStrength.NONE } }), 'prefill').spec.affinity).toBeUndefined();
  });
});

describe('tolerations and node affinity per role', () => {
  // GIVEN the placement example
  const manifests = strictSynth(placement(Testing.app()));
  const rbg = findObject(manifests, 'RoleBasedGroup', 'sglang-pd');

  test('GPU roles tolerate the GPU taint and require the instance type', () => {
    expect(GPU_NODE_TOLERATION).toEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    const spec = podTemplate(rbg, 'prefill').spec;
    expect(spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(spec.affinity.nodeAffinity).toEqual({
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['ecs.ebmgn8is.32xlarge'] }] }] },
    });
    expect(spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
  });

  test('the router prefers nodes without GPUs', () => {
    expect(podTemplate(rbg, 'router').spec.affinity).toEqual({
      nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'nvidia.com/gpu.present', operator: 'DoesNotExist' }] } }] },
    });
  });

  test('the example validates strictly', () => {
    expect(validateManifests(manifests)).toEqual([]);
  });

  test('arrays edited after the group is created change nothing', () => {
    const tolerations = [{ key: 'a', operator: TolerationOperator.EXISTS }];
    const chart = Testing.chart();
    tutorialGroup(chart, { decode: { tolerations } });
    tolerations[0].key = 'bad key!';
    tolerations.push({ key: 'b', operator: TolerationOperator.EXISTS });
    expect(errorLines(chart)).toEqual([]);
    expect(podTemplate(findObject(Testing.synth(chart), 'RoleBasedGroup', 'sglang-pd'), 'decode').spec.tolerations).toEqual([{ key: 'a', operator: 'Exists' }]);
  });
});

describe('bad tolerations and node affinity are our errors naming the field', () => {
  test('tolerations are checked as the API server checks them', () => {
    expect(problems({
      prefill: {
        tolerations: [
          { value: 'x' },
          { key: 'gpu', operator: TolerationOperator.EXISTS, value: 'x' },
          { key: 'gpu', tolerationSeconds: 30 },
          { key: 'gpu', effect: 'Sometimes' as any },
        ],
      },
    })).toEqual([
      'test/pd/prefill tolerations[0].operator="Equal": must be TolerationOperator.EXISTS when no key is given (a toleration of every taint)',
      'test/pd/prefill tolerations[1].value="x": must be empty with TolerationOperator.EXISTS',
      'test/pd/prefill tolerations[2].tolerationSeconds=30: is only allowed with effect TaintEffect.NO_EXECUTE',
      'test/pd/prefill tolerations[3].effect="Sometimes": must be a TaintEffect (one of NoSchedule, PreferNoSchedule, NoExecute)',
    ]);
    expect(problems({ decode: { tolerations: [{ key: 'gpu', effect: TaintEffect.NO_EXECUTE, tolerationSeconds: 30 }] } })).toEqual([]);
  });

  test('node requirements need the values their operator takes; weights are 1-100', () => {
    expect(problems({
      router: {
        requiredNodeAffinity: [
          { key: 'gpu-count', operator: NodeSelectorOperator.GT, values: ['eight'] },
          { key: 'zone', operator: NodeSelectorOperator.IN },
          { key: 'spot', operator: NodeSelectorOperator.DOES_NOT_EXIST, values: ['true'] },
        ],
        preferredNodeAffinity: [{ weight: 0, requirements: [] }],
      },
    })).toEqual([
      'test/pd/router requiredNodeAffinity[0].values=["eight"]: must be exactly one integer for operator Gt',
      'test/pd/router requiredNodeAffinity[1].values=[]: must hold at least one value for operator In',
      'test/pd/router requiredNodeAffinity[2].values=["true"]: must be empty for operator DoesNotExist',
      'test/pd/router preferredNodeAffinity[0].weight=0: must be an integer from 1 to 100',
      'test/pd/router preferredNodeAffinity[0].requirements=[]: must be a non-empty array of { key, operator, values? }',
    ]);
  });
});

describe('exclusive topology and gang scheduling, per controller release', () => {
  const gang = GangScheduling.schedulerPlugins({ timeout: Duration.seconds(120) });
  const volcano = GangScheduling.volcano({ queue: 'llm', priorityClassName: 'high' });

  test('v0.7: annotations on the group, no spec field (the v1alpha2 CRD has none)', () => {
    const manifests = synth({ placement: { exclusiveTopologyKey: 'example.com/rack', gangScheduling: gang } });
    const rbg = findObject(manifests, 'RoleBasedGroup', 'sglang-pd');
    expect(rbg.metadata.annotations).toEqual({
      'cdk8s-sglang-pd/rbg-target': 'v0.7',
      'rbg.workloads.x-k8s.io/group-exclusive-topology': 'example.com/rack',
      'rbg.workloads.x-k8s.io/group-gang-scheduling': 'true',
      'rbg.workloads.x-k8s.io/group-gang-scheduling-timeout': '120',
    });
    expect(rbg.spec.podGroupPolicy).toBeUndefined();
    expect(validateManifests(manifests)).toEqual([]);
    const v = findObject(synth({ placement: { gangScheduling: volcano } }), 'RoleBasedGroup', 'sglang-pd');
    expect(v.metadata.annotations).toEqual({
      'cdk8s-sglang-pd/rbg-target': 'v0.7',
      'rbg.workloads.x-k8s.io/group-gang-scheduling': 'true',
      'rbg.workloads.x-k8s.io/group-gang-scheduling-volcano-queue': 'llm',
      'rbg.workloads.x-k8s.io/group-gang-scheduling-volcano-priority': 'high',
    });
  });

  test.each([RbgTarget.V0_4, RbgTarget.V0_6])('%s: exclusive topology annotation, gang scheduling in spec.podGroupPolicy', (target) => {
    const manifests = synth({ rbg: target, placement: { exclusiveTopologyKey: 'example.com/rack', gangScheduling: gang } });
    const rbg = findObject(manifests, 'RoleBasedGroup', 'sglang-pd');
    expect(rbg.metadata.annotations).toEqual({ 'cdk8s-sglang-pd/rbg-target': target.release, 'rolebasedgroup.workloads.x-k8s.io/exclusive-topology': 'example.com/rack' });
    expect(rbg.spec.podGroupPolicy).toEqual({ kubeScheduling: { scheduleTimeoutSeconds: 120 } });
    expect(validateManifests(manifests)).toEqual([]);
    const v = findObject(synth({ rbg: target, placement: { gangScheduling: volcano } }), 'RoleBasedGroup', 'sglang-pd');
    expect(v.spec.podGroupPolicy).toEqual({ volcanoScheduling: { queue: 'llm', priorityClassName: 'high' } });
  });

  test('with gang scheduling the router does not wait for its workers (the PodGroup needs every pod at once)', () => {
    expect(findRole(rbgOf(), 'router').dependencies).toEqual(['prefill', 'decode']);
    expect(findRole(rbgOf({ placement: { gangScheduling: gang } }), 'router').dependencies).toBeUndefined();
    const lines = problems({ placement: { gangScheduling: gang } }, (chart) => {
      const group = chart.node.findChild('pd') as any;
      group.router.addDependency(group.prefill);
    });
    expect(lines).toEqual([
      'test/pd placement.gangScheduling="scheduler-plugins": needs every pod of the group at once, but role(s) router wait for other roles to be ready (dependencies): the PodGroup would never fill; remove those dependencies',
    ]);
  });

  test('exclusive topology on the hostname needs the whole group on one node', () => {
    expect(problems({ placement: { exclusiveTopologyKey: 'kubernetes.io/hostname' } })).toEqual([]); // 6 GPUs on an 8-GPU node
    expect(problems({ prefill: { replicas: 4 }, placement: { exclusiveTopologyKey: 'kubernetes.io/hostname' } })).toEqual([
      'test/pd placement.exclusiveTopologyKey="kubernetes.io/hostname": keeps every pod of the group on one node, but the group needs 10 GPUs and a node has 8; use a rack or zone label',
    ]);
  });

  test('bad placement values are refused', () => {
    expect(problems({
      placement: {
        kvLocalityKey: 'not a key',
        kvLocality: 'always' as any,
        gangScheduling: { scheduler: 'volcano' } as any,
        spread: true,
      } as any,
    })).toEqual([
      'test/pd placement.spread=true: is not a field of placement (kvLocalityKey, kvLocality, exclusiveTopologyKey, gangScheduling)',
      expect.stringMatching(/^test\/pd placement.kvLocalityKey="not a key": must be a label key/),
      'test/pd placement.kvLocality="always": must be an AffinityStrength (one of required, preferred, none)',
      'test/pd placement.gangScheduling={"scheduler":"volcano"}: must be GangScheduling.schedulerPlugins({...}) or GangScheduling.volcano({...})',
    ]);
    expect(problems({ placement: { gangScheduling: GangScheduling.schedulerPlugins({ timeout: Duration.millis(1500) }) } })).toEqual([
      'test/pd placement.gangScheduling.timeout="1.5 s": must be a cdk8s Duration of whole seconds, at least 1 second',
    ]);
    expect(problems({ placement: { gangScheduling: GangScheduling.volcano({ queue: 'Not_A_Queue' }) } })).toEqual([
      'test/pd placement.gangScheduling.queue="Not_A_Queue": must be a Volcano queue name (a DNS-1123 subdomain)',
    ]);
  });
});
