import { errorLines, strictSynth } from './support/check';
import { Chart, Testing } from 'cdk8s';
import {
  GpuProfile, ModelSource, PdServingGroup, PdServingGroupProps, QwenModel, QwenModelVolume, RbgTarget, RdmaProfile,
  RouterDiscovery, RouterPolicy, SglangPdValidationError, TransferBackend, synthesize,
} from '../lib';
import { tutorialGroup } from '../main';
import { container, findObject, findRole, flagGroups, flagValues, kinds, Manifest, podTemplate } from './util';

function synthGroup(overrides: Partial<PdServingGroupProps> = {}): Manifest[] {
  const chart = Testing.chart();
  tutorialGroup(chart, overrides);
  return strictSynth(chart);
}

describe('RBG v0.4 controller (ACK tutorial era)', () => {
  // GIVEN the tutorial topology targeted at a v0.4 controller
  const manifests = synthGroup({ rbg: RbgTarget.V0_4 });
  const rbg = findObject(manifests, 'RoleBasedGroup', 'sglang-pd');

  test('matches the reviewed snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('emits v1alpha1 roles with a template, no v1alpha2 fields', () => {
    expect(rbg.apiVersion).toBe('workloads.x-k8s.io/v1alpha1');
    for (const role of rbg.spec.roles) {
      expect(Object.keys(role).sort()).toEqual(expect.arrayContaining(['name', 'replicas', 'template']));
      expect(role.standalonePattern).toBeUndefined();
      expect(role.labels).toBeUndefined();
    }
    expect(findRole(rbg, 'prefill').replicas).toBe(2);
  });

  test('router URLs use the v0.4 headless Service name (no "s-" prefix)', () => {
    const args = container(rbg, 'router').args;
    expect(flagGroups(args, '--prefill')).toEqual([
      ['http://sglang-pd-prefill-0.sglang-pd-prefill:8000', '34000'],
      ['http://sglang-pd-prefill-1.sglang-pd-prefill:8000', '34000'],
    ]);
    expect(flagGroups(args, '--decode')).toEqual([['http://sglang-pd-decode-0.sglang-pd-decode:8000']]);
  });

  test('Service selects router pods by the v0.4 labels', () => {
    expect(findObject(manifests, 'Service', 'sglang-pd').spec.selector).toEqual({
      'rolebasedgroup.workloads.x-k8s.io/name': 'sglang-pd',
      'rolebasedgroup.workloads.x-k8s.io/role': 'router',
    });
  });
});

describe('RBG v0.6 controller', () => {
  const manifests = synthGroup({ rbg: RbgTarget.V0_6 });
  const rbg = findObject(manifests, 'RoleBasedGroup', 'sglang-pd');

  test('v1alpha1 with "s-" headless Services and v0.4-style labels', () => {
    expect(rbg.apiVersion).toBe('workloads.x-k8s.io/v1alpha1');
    expect(flagGroups(container(rbg, 'router').args, '--decode')).toEqual([['http://sglang-pd-decode-0.s-sglang-pd-decode:8000']]);
    expect(findObject(manifests, 'Service', 'sglang-pd').spec.selector).toEqual({
      'rolebasedgroup.workloads.x-k8s.io/name': 'sglang-pd',
      'rolebasedgroup.workloads.x-k8s.io/role': 'router',
    });
  });
});

describe('KUBERNETES discovery', () => {
  // GIVEN the router discovers workers through the Kubernetes API
  const manifests = synthGroup({ router: { discovery: RouterDiscovery.KUBERNETES, policy: RouterPolicy.ROUND_ROBIN } });
  const rbg = findObject(manifests, 'RoleBasedGroup', 'sglang-pd');

  test('matches the reviewed snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('router gets a ServiceAccount with a Role to get/list/watch pods, emitted before the group', () => {
    const sa = findObject(manifests, 'ServiceAccount', 'sglang-pd-router');
    expect(sa).toBeDefined();
    const role = findObject(manifests, 'Role', 'sglang-pd-router');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    const binding = findObject(manifests, 'RoleBinding', 'sglang-pd-router');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'sglang-pd-router' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'sglang-pd-router' }]);
    expect(podTemplate(rbg, 'router').spec.serviceAccountName).toBe('sglang-pd-router');
    const order = kinds(manifests);
    expect(order.indexOf('RoleBinding/sglang-pd-router')).toBeLessThan(order.indexOf('RoleBasedGroup/sglang-pd'));
  });

  test('router selects workers by the labels the v0.7 controller puts on pods', () => {
    const c = container(rbg, 'router');
    expect(c.args).toContain('--service-discovery');
    expect(flagValues(c.args, '--service-discovery-namespace')).toEqual(['$(POD_NAMESPACE)']);
    expect(c.env).toContainEqual({ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
    expect(flagValues(c.args, '--service-discovery-port')).toEqual(['8000']);
    expect(flagGroups(c.args, '--prefill-selector')).toEqual([['rbg.workloads.x-k8s.io/group-name=sglang-pd', 'rbg.workloads.x-k8s.io/role-name=prefill']]);
    expect(flagGroups(c.args, '--decode-selector')).toEqual([['rbg.workloads.x-k8s.io/group-name=sglang-pd', 'rbg.workloads.x-k8s.io/role-name=decode']]);
    expect(c.args).not.toContain('--prefill');
    expect(c.args).not.toContain('--decode');
    expect(flagValues(c.args, '--policy')).toEqual(['round_robin']);
  });

  test('prefill pods carry the bootstrap-port annotation; decode pods do not', () => {
    expect(podTemplate(rbg, 'prefill').metadata.annotations).toEqual({ 'sglang.ai/bootstrap-port': '34000' });
    expect(podTemplate(rbg, 'decode').metadata.annotations).toBeUndefined();
  });

  test('v0.4 discovery selectors use the v0.4 labels', () => {
    const old = findObject(synthGroup({ rbg: RbgTarget.V0_4, router: { discovery: RouterDiscovery.KUBERNETES } }), 'RoleBasedGroup', 'sglang-pd');
    expect(flagGroups(container(old, 'router').args, '--prefill-selector')).toEqual([
      ['rolebasedgroup.workloads.x-k8s.io/name=sglang-pd', 'rolebasedgroup.workloads.x-k8s.io/role=prefill'],
    ]);
  });
});

describe('4P2D TP=4 on an existing claim', () => {
  // GIVEN a bigger layout whose model lives on an existing PVC
  const chart = Testing.chart();
  const model = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_32B, source: ModelSource.pvc('qwen3-32b-weights') });
  new PdServingGroup(chart, 'pd', {
    name: 'qwen32b',
    model,
    engine: { tensorParallelSize: 4, memFractionStatic: 0.85, contextLength: 32768 },
    prefill: { replicas: 4 },
    decode: { replicas: 2 },
    gpu: GpuProfile.A100_80GB,
    rdma: RdmaProfile.rdmaHca({ ibDevice: 'mlx5_0,mlx5_1' }),
  });
  const manifests = strictSynth(chart);
  const rbg = findObject(manifests, 'RoleBasedGroup', 'qwen32b');

  test('matches the reviewed snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('emits no PV, PVC or Secret, and mounts the given claim', () => {
    expect(kinds(manifests)).toEqual(['RoleBasedGroup/qwen32b', 'CoordinatedPolicy/qwen32b', 'Service/qwen32b', 'NetworkPolicy/qwen32b-router', 'NetworkPolicy/qwen32b-prefill', 'NetworkPolicy/qwen32b-decode']);
    expect(podTemplate(rbg, 'decode').spec.volumes).toContainEqual({ name: 'model', persistentVolumeClaim: { claimName: 'qwen3-32b-weights', readOnly: true } });
  });

  test('4 GPUs and one rdma/hca per pod, IB devices passed to SGLang', () => {
    for (const role of ['prefill', 'decode']) {
      const c = container(rbg, role);
      expect(c.resources.limits).toEqual({ 'nvidia.com/gpu': 4, 'rdma/hca': 1 });
      expect(flagValues(c.args, '--tp-size')).toEqual(['4']);
      expect(flagValues(c.args, '--disaggregation-ib-device')).toEqual(['mlx5_0,mlx5_1']);
      expect(flagValues(c.args, '--mem-fraction-static')).toEqual(['0.85']);
    }
    expect(flagValues(container(rbg, 'prefill').args, '--context-length')).toEqual(['32768']);
    expect(flagValues(container(rbg, 'decode').args, '--context-length')).toEqual(['32768']);
  });

  test('router lists 4 prefill and 2 decode pods', () => {
    const args = container(rbg, 'router').args;
    expect(flagGroups(args, '--prefill').map((g) => g[0])).toEqual([0, 1, 2, 3].map((i) => `http://qwen32b-prefill-${i}.s-qwen32b-prefill:8000`));
    expect(flagGroups(args, '--decode').map((g) => g[0])).toEqual([0, 1].map((i) => `http://qwen32b-decode-${i}.s-qwen32b-decode:8000`));
  });
});

describe('RDMA off', () => {
  test('RdmaProfile.none() drops the RDMA resource and IPC_LOCK and uses TCP transfer', () => {
    const rbg = findObject(synthGroup({ rdma: RdmaProfile.none() }), 'RoleBasedGroup', 'sglang-pd');
    const c = container(rbg, 'decode');
    expect(c.resources.limits).toEqual({ 'nvidia.com/gpu': 2 });
    expect(c.securityContext).toEqual({ privileged: false, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(flagValues(c.args, '--disaggregation-transfer-backend')).toEqual([TransferBackend.MOONCAKE_TCP]);
  });
});

describe('validation', () => {
  function problemsOf(build: (chart: Chart) => void): string[] {
    const chart = Testing.chart();
    build(chart);
    try {
      strictSynth(chart);
    } catch (e) {
      expect(e).toBeInstanceOf(SglangPdValidationError);
      return (e as SglangPdValidationError).problems.map((p) => `${p.path} ${p.field}=${p.value}: ${p.message}`);
    }
    throw new Error('expected synthesis to fail');
  }

  test('reports every problem of the app at once, naming path, field and value', () => {
    const problems = problemsOf((chart) => tutorialGroup(chart, {
      name: 'Sglang_PD',
      prefill: { replicas: 0, tensorParallelSize: 2 },
      decode: { replicas: 1.5, tensorParallelSize: 2 },
      bootstrapPort: 8000,
    }));
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^test\/pd name="Sglang_PD": must be a DNS-1123 label/),
      expect.stringMatching(/^test\/pd\/prefill replicas=0: must be an integer from 1 to 1000/),
      expect.stringMatching(/^test\/pd\/decode replicas=1.5: must be an integer from 1 to 1000/),
      expect.stringMatching(/^test\/pd\/prefill bootstrapPort=8000: must differ from httpPort \(8000\)/),
    ]));
  });

  test('no file is written when validation fails', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'bad');
    tutorialGroup(chart, { prefill: { replicas: -1 } });
    expect(() => app.synth()).toThrow(/replicas = -1: must be an integer from 1 to 1000/);
    expect(() => synthesize(app)).toThrow(SglangPdValidationError);
    expect(require('fs').readdirSync(app.outdir)).toEqual([]);
  });
});

test('the bootstrap-port annotation Kubernetes discovery reads cannot be changed with addPodAnnotation', () => {
  // GIVEN a group whose router finds prefill pods through Kubernetes discovery
  const chart = Testing.chart();
  const model = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.pvc('w') });
  const group = new PdServingGroup(chart, 'pd', { name: 'pd', model, router: { discovery: RouterDiscovery.KUBERNETES } });
  // WHEN the caller sets the annotation the router reads the bootstrap port from, and another one
  group.prefill.addPodAnnotation('sglang.ai/bootstrap-port', '1234');
  group.prefill.addPodAnnotation('example.com/note', 'x');
  // THEN the first is refused by name (the router would dial 1234, prefill listens on 34000)
  expect(errorLines(chart)).toEqual([
    'test/pd/prefill podAnnotations="sglang.ai/bootstrap-port": is set by the library: the router\'s Kubernetes discovery reads the prefill bootstrap port (34000) from it; choose another key',
  ]);
});

test('addPodAnnotation with a key given before replaces its value: only the last one is checked and emitted', () => {
  // GIVEN a pod annotation set to a value with a control character, then set again to a plain one
  const chart = Testing.chart();
  const model = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.pvc('w') });
  const group = new PdServingGroup(chart, 'pd', { name: 'pd', model });
  group.router.addPodAnnotation('example.com/note', 'a\u0001b');
  group.router.addPodAnnotation('example.com/note', 'plain');
  // THEN nothing is refused, and the pods carry the last value
  expect(errorLines(chart)).toEqual([]);
  expect(podTemplate(findObject(strictSynth(chart), 'RoleBasedGroup', 'pd'), 'router').metadata.annotations['example.com/note']).toBe('plain');
  // AND the other order is refused, naming the key
  group.router.addPodAnnotation('example.com/note', 'a\u0001b');
  expect(errorLines(chart)).toEqual([expect.stringMatching(/^test\/pd\/router podAnnotations\.example\.com\/note=/)]);
});

test('a dependency on a role of another group is refused, naming the group only when it has a name', () => {
  // GIVEN two groups, one of them without a name (a JavaScript caller)
  const chart = Testing.chart();
  const model = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.pvc('w') });
  const named = new PdServingGroup(chart, 'a', { name: 'a', model });
  const unnamed = new PdServingGroup(chart, 'b', { model } as never);
  // WHEN each router is made to wait for the other group's prefill
  named.router.addDependency(unnamed.prefill);
  unnamed.router.addDependency(named.prefill);
  // THEN both are refused, and no message shows "undefined"
  expect(errorLines(chart).filter((l) => l.includes('.dependencies'))).toEqual([
    'test/a router.dependencies="test/b/prefill": must be a role of group a (prefill, decode, router)',
    'test/b router.dependencies="test/a/prefill": must be a role of the same group (prefill, decode, router)',
  ]);
});

test('dependencies added after construction are checked for cycles', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'cycle');
  const group = tutorialGroup(chart);
  group.prefill.addDependency(group.router);
  expect(() => strictSynth(chart)).toThrow(/router\.dependencies = "router -> prefill -> router": dependencies form a cycle|prefill\.dependencies = "prefill -> router -> prefill": dependencies form a cycle/);
});
