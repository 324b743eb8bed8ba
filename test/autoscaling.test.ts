/* Per-role autoscaling: the role's scaling adapter, the HPA that drives it, and the group's rules. */
import { ApiObject, Chart, Duration, Testing } from 'cdk8s';
import { tutorialGroup } from '../examples/tutorial';
import { PdServingGroupProps, RbgTarget, RoleAutoscaling, RouterDiscovery, ScalingMetric } from '../lib';
import { errorLines, strictSynth, warningLines } from './support/check';
import { validateManifests } from './schema/strict-schema';
import { findObject, findRole, Manifest, podTemplate } from './util';

const KUBERNETES = { discovery: RouterDiscovery.KUBERNETES };

function build(overrides: Partial<PdServingGroupProps>): Chart {
  const chart = Testing.chart();
  tutorialGroup(chart, { router: KUBERNETES, ...overrides });
  return chart;
}

const synth = (overrides: Partial<PdServingGroupProps>): Manifest[] => strictSynth(build(overrides));
const errorsOf = (overrides: Partial<PdServingGroupProps>): string[] => errorLines(build(overrides));
const prefillScaled = (autoscaling: RoleAutoscaling, extra: Partial<PdServingGroupProps> = {}): string[] => errorsOf({ prefill: { autoscaling }, ...extra });

describe('an autoscaled role', () => {
  // GIVEN prefill autoscaled between 2 and 4 pods, decode fixed at 1 WHEN synthesized
  const manifests = synth({ prefill: { autoscaling: { minReplicas: 2, maxReplicas: 4 } } });
  const rbg = findObject(manifests, 'RoleBasedGroup', 'sglang-pd');
  const hpa = findObject(manifests, 'HorizontalPodAutoscaler', 'sglang-pd-prefill');

  test('matches the reviewed snapshot', () => {
    expect(hpa).toMatchSnapshot();
  });

  test('enables the role\'s scaling adapter (with the group\'s labels), and only that role\'s', () => {
    expect(findRole(rbg, 'prefill').scalingAdapter).toEqual({
      enable: true,
      labels: { 'app.kubernetes.io/name': 'sglang', 'app.kubernetes.io/instance': 'sglang-pd', 'app.kubernetes.io/component': 'prefill' },
    });
    expect(findRole(rbg, 'decode').scalingAdapter).toBeUndefined();
    expect(findRole(rbg, 'router').scalingAdapter).toBeUndefined();
    expect(manifests.filter((m) => m.kind === 'HorizontalPodAutoscaler').map((m) => m.metadata.name)).toEqual(['sglang-pd-prefill']);
  });

  test('the HPA targets the adapter the v0.7 controller creates: <group>-<role>, its API version', () => {
    // FACTS §2: the controller names the adapter <group>-<role>; v0.7's adapter CRD serves v1alpha2 (storage)
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'workloads.x-k8s.io/v1alpha2', kind: 'RoleBasedGroupScalingAdapter', name: 'sglang-pd-prefill' });
    expect(hpa.spec.scaleTargetRef.apiVersion).toBe(rbg.apiVersion);
    expect(hpa.spec.scaleTargetRef.name).toBe(`${rbg.metadata.name}-${findRole(rbg, 'prefill').name}`);
  });

  test('the bounds are the HPA\'s, the initial replicas the lower bound, scale-down waits 10 minutes', () => {
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 4]);
    expect(findRole(rbg, 'prefill').replicas).toBe(2);
    expect(hpa.spec.behavior).toEqual({ scaleDown: { stabilizationWindowSeconds: 600 } });
  });

  test('prefill follows queued requests by default (5 per pod), a Pods metric SGLang exports', () => {
    expect(hpa.spec.metrics).toEqual([{ type: 'Pods', pods: { metric: { name: 'sglang:num_queue_reqs' }, target: { type: 'AverageValue', averageValue: '5' } } }]);
  });

  test('the pods the adapter selects are the role\'s, and they carry the metric\'s labels source (the ARMS labels)', () => {
    expect(podTemplate(rbg, 'prefill').metadata.labels['alibabacloud.com/inference-workload']).toBe('sglang-pd');
  });

  test('every object validates against its schema', () => {
    expect(validateManifests(manifests)).toEqual([]);
  });
});

describe('metrics', () => {
  const metricOf = (role: 'prefill' | 'decode', autoscaling: RoleAutoscaling): unknown =>
    findObject(synth({ [role]: { autoscaling } }), 'HorizontalPodAutoscaler', `sglang-pd-${role}`).spec.metrics;

  test('GIVEN decode without a metric THEN it follows the KV cache usage, 0.8 as a milli-quantity', () => {
    expect(metricOf('decode', { maxReplicas: 3 })).toEqual([
      { type: 'Pods', pods: { metric: { name: 'sglang:token_usage' }, target: { type: 'AverageValue', averageValue: '800m' } } },
    ]);
  });

  test.each([
    [ScalingMetric.cpuUtilization(70), { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    [ScalingMetric.runningRequests(32), { type: 'Pods', pods: { metric: { name: 'sglang:num_running_reqs' }, target: { type: 'AverageValue', averageValue: '32' } } }],
    [ScalingMetric.queuedRequests(2.5), { type: 'Pods', pods: { metric: { name: 'sglang:num_queue_reqs' }, target: { type: 'AverageValue', averageValue: '2500m' } } }],
    [ScalingMetric.podAverage('sglang:num_decode_prealloc_queue_reqs', 3), { type: 'Pods', pods: { metric: { name: 'sglang:num_decode_prealloc_queue_reqs' }, target: { type: 'AverageValue', averageValue: '3' } } }],
  ])('GIVEN %j THEN the HPA metric is its autoscaling/v2 form', (metric, expected) => {
    expect(metricOf('decode', { maxReplicas: 2, metric })).toEqual([expected]);
  });

  test('GIVEN a scale-down stabilization THEN the HPA waits that long', () => {
    const hpa = findObject(synth({ decode: { autoscaling: { maxReplicas: 2, scaleDownStabilization: Duration.minutes(30) } } }), 'HorizontalPodAutoscaler', 'sglang-pd-decode');
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(1800);
  });

  test('GIVEN both roles autoscaled and a replica given THEN the given replicas is the initial count', () => {
    const manifests = synth({ prefill: { replicas: 3, autoscaling: { minReplicas: 2, maxReplicas: 4 } }, decode: { autoscaling: { maxReplicas: 2 } } });
    const rbg = findObject(manifests, 'RoleBasedGroup', 'sglang-pd');
    expect([findRole(rbg, 'prefill').replicas, findRole(rbg, 'decode').replicas]).toEqual([3, 1]);
    expect(manifests.filter((m) => m.kind === 'HorizontalPodAutoscaler').map((m) => m.metadata.name)).toEqual(['sglang-pd-prefill', 'sglang-pd-decode']);
  });
});

describe('autoscaling rules', () => {
  test('GIVEN autoscaling with a STATIC router WHEN validated THEN our error names RouterDiscovery.KUBERNETES', () => {
    expect(prefillScaled({ maxReplicas: 4 }, { router: { discovery: RouterDiscovery.STATIC } })).toEqual([
      'test/pd router.discovery="static": must be RouterDiscovery.KUBERNETES when prefill autoscales: a STATIC router lists one URL per pod when the app is synthesized, so it cannot follow the replica count an HPA sets',
    ]);
    // the default discovery is STATIC too
    const chart = Testing.chart();
    tutorialGroup(chart, { decode: { autoscaling: { maxReplicas: 2 } } });
    expect(errorLines(chart)).toEqual([expect.stringMatching(/^test\/pd router.discovery="static": must be RouterDiscovery.KUBERNETES when decode autoscales/)]);
  });

  test.each([
    [RbgTarget.V0_4, 'its roles\' scalingAdapter has no labels field'],
    [RbgTarget.V0_6, 'its roles\' scalingAdapter has no labels field, and its adapter controller reads the pod selector from status.labelSelector, which StatefulSet roles lack, so the HPA gets no selector'],
  ])('GIVEN autoscaling on %s WHEN validated THEN our error names the minimum RbgTarget.V0_7', (rbg, why) => {
    expect(prefillScaled({ maxReplicas: 4 }, { rbg })).toEqual([
      `test/pd/prefill/Autoscaler autoscaling={"maxReplicas":4}: needs RbgTarget.V0_7 or later (the minimum controller release for autoscaling), but the role targets RbgTarget.V${rbg.release.slice(1).replace('.', '_')}: ${why}`,
    ]);
  });

  test('GIVEN minReplicas above maxReplicas WHEN validated THEN the bound is reported, not the derived replicas', () => {
    expect(prefillScaled({ minReplicas: 5, maxReplicas: 4 })).toEqual([
      'test/pd/prefill/Autoscaler autoscaling.minReplicas=5: is above autoscaling.maxReplicas (4); minReplicas must be at most maxReplicas',
    ]);
  });

  test('GIVEN an unknown metric from JavaScript WHEN validated THEN our error lists the factories', () => {
    expect(prefillScaled({ maxReplicas: 4, metric: 'gpu' as unknown as ScalingMetric })).toEqual([
      'test/pd/prefill/Autoscaler autoscaling.metric="gpu": is not a known metric: use ScalingMetric.cpuUtilization(percent), runningRequests(n), queuedRequests(n), kvCacheUsage(fraction) or podAverage(name, value)',
    ]);
  });

  test('GIVEN bad bounds, targets and windows WHEN validated THEN each names its field', () => {
    const fields = (a: unknown, extra: Partial<PdServingGroupProps> = {}): string[] => errorsOf({ decode: { autoscaling: a as RoleAutoscaling }, ...extra }).map((l) => l.split(': ')[0]);
    expect(fields({ minReplicas: 0 })).toEqual(['test/pd/decode/Autoscaler autoscaling.minReplicas=0', 'test/pd/decode/Autoscaler autoscaling.maxReplicas=unset']);
    expect(fields({ maxReplicas: 1001 })).toEqual(['test/pd/decode/Autoscaler autoscaling.maxReplicas=1001']);
    expect(fields(4)).toEqual(['test/pd/decode/Autoscaler autoscaling=4']);
    expect(fields({ maxReplicas: 2, metric: ScalingMetric.cpuUtilization(0) })).toEqual(['test/pd/decode/Autoscaler autoscaling.metric.target=0']);
    expect(fields({ maxReplicas: 2, metric: ScalingMetric.kvCacheUsage(80) })).toEqual(['test/pd/decode/Autoscaler autoscaling.metric.target=80']);
    expect(fields({ maxReplicas: 2, metric: ScalingMetric.queuedRequests(0.0001) })).toEqual(['test/pd/decode/Autoscaler autoscaling.metric.target=0.0001']);
    expect(fields({ maxReplicas: 2, metric: ScalingMetric.podAverage('sglang num reqs', 1) })).toEqual(['test/pd/decode/Autoscaler autoscaling.metric.metricName="sglang num reqs"']);
    expect(fields({ maxReplicas: 2, scaleDownStabilization: Duration.hours(2) })).toEqual(['test/pd/decode/Autoscaler autoscaling.scaleDownStabilization="7200s"']);
    expect(fields({ minReplicas: 2, maxReplicas: 3 }, { decode: { replicas: 5, autoscaling: { minReplicas: 2, maxReplicas: 3 } } })).toEqual(['test/pd/decode/Autoscaler replicas=5']);
  });

  test('GIVEN maxReplicas beyond the declared cluster WHEN validated THEN a warning says the extra pods stay Pending', () => {
    const chart = build({ prefill: { autoscaling: { maxReplicas: 4 } }, decode: { autoscaling: { maxReplicas: 4 } }, cluster: { nodes: 1 } });
    expect(errorLines(chart)).toEqual([]);
    expect(warningLines(chart)).toEqual([
      'test/pd cluster=8: at maxReplicas the group needs 16 GPUs (prefill 4 x 2 + decode 4 x 2) but the cluster has 8; pods the HPAs add beyond that stay Pending',
    ]);
  });

  test('GIVEN an object of another kind named like the scaling adapter WHEN validated THEN the app-wide rule reports the clash', () => {
    const chart = build({ prefill: { autoscaling: { maxReplicas: 4 } } });
    new ApiObject(chart, 'mine', { apiVersion: 'workloads.x-k8s.io/v1alpha2', kind: 'RoleBasedGroupScalingAdapter', metadata: { name: 'sglang-pd-prefill' } });
    expect(errorLines(chart)).toEqual([
      'test name="sglang-pd-prefill": clashes with test/pd: both would write RoleBasedGroupScalingAdapter.workloads.x-k8s.io sglang-pd-prefill in namespace default; give them different names or namespaces',
    ]);
  });
});

describe('the prefill:decode ratio', () => {
  const scaled = (p: [number, number], d: [number, number], ratio: PdServingGroupProps['replicaRatio']): string[] => errorsOf({
    prefill: { autoscaling: { minReplicas: p[0], maxReplicas: p[1] } },
    decode: { autoscaling: { minReplicas: d[0], maxReplicas: d[1] } },
    replicaRatio: ratio,
  });

  test('GIVEN bounds whose every reachable pair is within the limits WHEN validated THEN nothing is reported', () => {
    // P 2..4 against D 1..2: P:D ranges over 2/2 = 1 to 4/1 = 4
    expect(scaled([2, 4], [1, 2], { minPrefillPerDecode: 1, maxPrefillPerDecode: 4 })).toEqual([]);
  });

  test('GIVEN prefill that can shrink while decode grows WHEN validated THEN the lower limit is refused with the bounds that keep it', () => {
    expect(scaled([1, 4], [1, 2], { minPrefillPerDecode: 1 })).toEqual([
      'test/pd replicaRatio.minPrefillPerDecode=1: prefill can be at 1 pod(s) while decode is at 2: P:D 1:2 = 0.5, below 1; raise prefill\'s minimum to 2 or lower decode\'s maximum to 1',
    ]);
  });

  test('GIVEN prefill that can grow while decode shrinks WHEN validated THEN the upper limit is refused with the bounds that keep it', () => {
    expect(scaled([2, 8], [1, 2], { maxPrefillPerDecode: 4 })).toEqual([
      'test/pd replicaRatio.maxPrefillPerDecode=4: prefill can be at 8 pod(s) while decode is at 1: P:D 8:1 = 8, above 4; lower prefill\'s maximum to 4 or raise decode\'s minimum to 2',
    ]);
  });

  test('GIVEN the suggested bounds WHEN validated THEN they pass', () => {
    expect(scaled([2, 4], [1, 2], { minPrefillPerDecode: 1 })).toEqual([]);
    expect(scaled([2, 8], [2, 2], { maxPrefillPerDecode: 4 })).toEqual([]);
  });

  test('GIVEN one role fixed WHEN validated THEN its replicas are both its bounds', () => {
    expect(errorsOf({ prefill: { replicas: 2 }, decode: { autoscaling: { maxReplicas: 4 } }, replicaRatio: { minPrefillPerDecode: 1 } })).toEqual([
      'test/pd replicaRatio.minPrefillPerDecode=1: prefill can be at 2 pod(s) while decode is at 4: P:D 2:4 = 0.5, below 1; set prefill replicas to 4 or lower decode\'s maximum to 2',
    ]);
  });

  test('GIVEN no autoscaling WHEN the static topology breaks the ratio THEN it is refused too', () => {
    expect(errorsOf({ prefill: { replicas: 2 }, decode: { replicas: 1 }, replicaRatio: { maxPrefillPerDecode: 1.5 } })).toEqual([
      'test/pd replicaRatio.maxPrefillPerDecode=1.5: prefill can be at 2 pod(s) while decode is at 1: P:D 2:1 = 2, above 1.5; set prefill replicas to 1 or set decode replicas to 2',
    ]);
  });

  test('GIVEN bad limits WHEN validated THEN each names its field', () => {
    expect(scaled([1, 2], [1, 2], { minPrefillPerDecode: 2, maxPrefillPerDecode: 1 })).toEqual(['test/pd replicaRatio.minPrefillPerDecode=2: is above replicaRatio.maxPrefillPerDecode (1)']);
    expect(scaled([1, 2], [1, 2], { minPrefillPerDecode: -1 }).map((l) => l.split(': ')[0])).toEqual(['test/pd replicaRatio.minPrefillPerDecode=-1']);
    expect(scaled([1, 2], [1, 2], 'wide' as PdServingGroupProps['replicaRatio'])).toEqual(['test/pd replicaRatio="wide": must be { minPrefillPerDecode, maxPrefillPerDecode }']);
  });
});
