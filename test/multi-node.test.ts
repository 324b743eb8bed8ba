/* Multi-node instances: leader/worker roles per controller release, SGLang's --dist-init-addr wiring, router URLs, rules and capacity. */
import { Chart, Testing } from 'cdk8s';
import { qwen3235bMultinodeH100 } from '../examples/qwen3-235b-multinode-h100';
import {
  CapacityReport, GpuProfile, ModelSource, PdServerRoleOptions, PdServingGroup, PdServingGroupProps, QwenModel, QwenModelVolume,
  RbgTarget, RouterDiscovery,
} from '../lib';
import { errorLines, strictSynth } from './support/check';
import { validateManifests } from './schema/strict-schema';
import { container, findObject, findRole, flagGroups, flagValues, Manifest, podTemplate } from './util';

const TWO_NODES: PdServerRoleOptions = { replicas: 2, nodesPerInstance: 2, tensorParallelSize: 16, expertParallelSize: 16 };

function group(chart: Chart, overrides: Partial<PdServingGroupProps> = {}): PdServingGroup {
  const model = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_235B_A22B, source: ModelSource.pvc('weights') });
  return new PdServingGroup(chart, 'pd', { name: 'q', model, gpu: GpuProfile.H200, prefill: TWO_NODES, decode: { ...TWO_NODES, replicas: 1 }, ...overrides });
}

function synth(overrides: Partial<PdServingGroupProps> = {}): Manifest[] {
  const chart = Testing.chart();
  group(chart, overrides);
  return strictSynth(chart);
}

function problems(overrides: Partial<PdServingGroupProps>): string[] {
  const chart = Testing.chart();
  group(chart, overrides);
  return errorLines(chart);
}

describe.each([
  // release, role shape, env the controller injects (FACTS §2 and the controllers' env builders), leader of instance 1
  ['v0.7', RbgTarget.V0_7, ['RBG_LWP_LEADER_ADDRESS', 'RBG_LWP_WORKER_INDEX'], 'q-prefill-1-0.s-q-prefill'],
  ['v0.6', RbgTarget.V0_6, ['LWS_LEADER_ADDRESS', 'LWS_WORKER_INDEX'], 'q-prefill-1-0.s-q-prefill'],
  ['v0.4', RbgTarget.V0_4, ['LWS_LEADER_ADDRESS', 'LWS_WORKER_INDEX'], 'q-prefill-1.q-prefill'],
] as const)('RBG %s: a role of 2 nodes per instance', (release, target, [leaderEnv, indexEnv], leader) => {
  // GIVEN Qwen3-235B-A22B with TP=16 over 2 nodes of 8 H200 WHEN synthesized for the release
  const manifests = synth({ rbg: target });
  const rbg = findObject(manifests, 'RoleBasedGroup', 'q');

  test('the role is a leader/worker role of size 2, in the shape the CRD of the release has', () => {
    const role = findRole(rbg, 'prefill');
    if (release === 'v0.7') {
      expect(role.leaderWorkerPattern.size).toBe(2);
      expect(role.leaderWorkerPattern.template.spec.containers).toHaveLength(1);
      expect(role.standalonePattern).toBeUndefined();
    } else {
      expect(role.leaderWorkerSet).toEqual({ size: 2 });
      expect(role.workload).toEqual(release === 'v0.6'
        ? { apiVersion: 'workloads.x-k8s.io/v1alpha1', kind: 'InstanceSet' }
        : { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet' });
      expect(role.template.spec.containers).toHaveLength(1);
    }
    expect(findRole(rbg, 'router').leaderWorkerPattern).toBeUndefined();
    expect(validateManifests(manifests)).toEqual([]);
  });

  test('SGLang is wired from the injected env, expanded by the kubelet (no shell)', () => {
    const c = container(rbg, 'prefill');
    expect(c.command).toEqual(['python3', '-m', 'sglang.launch_server']);
    expect(flagValues(c.args, '--dist-init-addr')).toEqual([`$(${leaderEnv}):20000`]);
    expect(flagValues(c.args, '--nnodes')).toEqual(['2']);
    expect(flagValues(c.args, '--node-rank')).toEqual([`$(${indexEnv})`]);
    expect(flagValues(c.args, '--tp-size')).toEqual(['16']);
    // each pod (node) takes the 8 GPUs of its node
    expect(c.resources.limits['nvidia.com/gpu']).toBe(8);
  });

  test('router URLs point at the leader of each instance', () => {
    const args = container(rbg, 'router').args;
    const prefill = flagGroups(args, '--prefill');
    expect(prefill).toHaveLength(2);
    expect(prefill[1]).toEqual([`http://${leader}:8000`, '34000']);
    expect(flagGroups(args, '--decode')).toHaveLength(1);
  });
});

describe('wiring details', () => {
  test('Kubernetes discovery selects the leaders only: workers serve no API', () => {
    const args = (target: RbgTarget): string[] => container(findObject(synth({ rbg: target, router: { discovery: RouterDiscovery.KUBERNETES } }), 'RoleBasedGroup', 'q'), 'router').args;
    expect(flagGroups(args(RbgTarget.V0_7), '--prefill-selector')).toEqual([[
      'rbg.workloads.x-k8s.io/group-name=q', 'rbg.workloads.x-k8s.io/role-name=prefill', 'rbg.workloads.x-k8s.io/component-name=leader',
    ]]);
    expect(flagGroups(args(RbgTarget.V0_6), '--decode-selector')[0]).toContain('component.rolebasedgroup.workloads.x-k8s.io/name=leader');
    expect(flagGroups(args(RbgTarget.V0_4), '--decode-selector')[0]).toContain('leaderworkerset.sigs.k8s.io/worker-index=0');
  });

  test('the dist-init port is configurable; single-node roles get no multi-node flags', () => {
    const rbg = findObject(synth({ decode: { ...TWO_NODES, replicas: 1, distInitPort: 5000 } }), 'RoleBasedGroup', 'q');
    expect(flagValues(container(rbg, 'decode').args, '--dist-init-addr')).toEqual(['$(RBG_LWP_LEADER_ADDRESS):5000']);
    const single = findObject(synth({ prefill: { tensorParallelSize: 8 }, decode: { tensorParallelSize: 8 } }), 'RoleBasedGroup', 'q');
    expect(container(single, 'prefill').args).not.toContain('--dist-init-addr');
    expect(findRole(single, 'prefill').standalonePattern).toBeDefined();
  });

  test('pods of a multi-node role reach each other on any port (NCCL, dist-init); single-node roles do not', () => {
    const policies = synth({ decode: { replicas: 1, tensorParallelSize: 8 } }).filter((m) => m.kind === 'NetworkPolicy');
    const self = (role: string) => findObject(policies, 'NetworkPolicy', `q-${role}`).spec.ingress
      .filter((r: any) => r.from[0].podSelector?.matchLabels?.['rbg.workloads.x-k8s.io/role-name'] === role);
    expect(self('prefill')).toEqual([{ from: [{ podSelector: { matchLabels: { 'rbg.workloads.x-k8s.io/group-name': 'q', 'rbg.workloads.x-k8s.io/role-name': 'prefill' } } }] }]);
    expect(self('decode')).toEqual([]);
  });
});

describe.each([
  // release, the label only leader pods carry (checked against the controllers by the e2e layer), as Prometheus' meta label
  ['v0.7', RbgTarget.V0_7, '__meta_kubernetes_pod_label_rbg_workloads_x_k8s_io_component_name', 'leader'],
  ['v0.6', RbgTarget.V0_6, '__meta_kubernetes_pod_label_component_rolebasedgroup_workloads_x_k8s_io_name', 'leader'],
  ['v0.4', RbgTarget.V0_4, '__meta_kubernetes_pod_label_leaderworkerset_sigs_k8s_io_worker_index', '0'],
] as const)('RBG %s: monitoring of a multi-node role', (_release, target, leaderMeta, leaderValue) => {
  test('GIVEN prefill on 2 nodes per instance and a single-node decode WHEN monitored THEN only the prefill leaders and every decode pod are scraped', () => {
    const chart = Testing.chart();
    group(chart, { rbg: target, decode: { replicas: 1, tensorParallelSize: 8, expertParallelSize: 8 } }).enableMonitoring();
    const manifests = strictSynth(chart);
    const endpoints = findObject(manifests, 'PodMonitor', 'q').spec.podMetricsEndpoints as Array<{ port: string; relabelings: Array<{ action: string; sourceLabels?: string[]; regex?: string }> }>;
    const keeps = (port: string) => endpoints.filter((e) => e.port === port).map((e) => e.relabelings.filter((r) => r.action === 'keep').map((r) => [r.sourceLabels?.[0], r.regex]));
    const roleMeta = target === RbgTarget.V0_7 ? '__meta_kubernetes_pod_label_rbg_workloads_x_k8s_io_role_name' : '__meta_kubernetes_pod_label_rolebasedgroup_workloads_x_k8s_io_role';
    expect(keeps('http')).toEqual([
      [[roleMeta, 'prefill'], [leaderMeta, leaderValue]],
      [[roleMeta, 'decode']],
    ]);
    expect(keeps('metrics')).toEqual([[[roleMeta, 'router']]]);
    expect(validateManifests(manifests)).toEqual([]);
  });
});

describe('multi-node rules', () => {
  test('TP x DP must equal GPUs per node x nodes', () => {
    expect(problems({ prefill: { ...TWO_NODES, tensorParallelSize: 8, expertParallelSize: 8 } })).toEqual([
      'test/pd/prefill nodesPerInstance=2: an instance of 2 nodes takes every GPU of each: 2 x 8 H200 141GB GPUs = 16, but TP x DP (TP with DP attention) = 8; make them equal',
    ]);
    expect(problems({ prefill: { ...TWO_NODES, nodesPerInstance: 4 } })).toEqual([
      'test/pd/prefill nodesPerInstance=4: an instance of 4 nodes takes every GPU of each: 4 x 8 H200 141GB GPUs = 32, but TP x DP (TP with DP attention) = 16; make them equal',
    ]);
    // DP attention: the instance has TP GPUs
    expect(problems({ decode: { ...TWO_NODES, replicas: 1, dataParallelSize: 4, enableDpAttention: true } })).toEqual([]);
  });

  test('bad sizes and ports are refused', () => {
    expect(problems({ prefill: { ...TWO_NODES, nodesPerInstance: 0 } })).toEqual(['test/pd/prefill nodesPerInstance=0: must be an integer from 1 to 64']);
    expect(problems({ prefill: { ...TWO_NODES, distInitPort: 8000 } })).toEqual([
      'test/pd/prefill distInitPort=8000: must differ from httpPort (8000): the leader listens on both',
    ]);
  });

  test('the cluster counts one node per pod; exclusive topology on one node refuses multi-node instances', () => {
    // 3 instances x 2 nodes
    expect(problems({ cluster: { nodes: 5 } })).toEqual([
      'test/pd cluster={"nodes":5}: the group needs 48 GPUs (prefill 4 x 8 + decode 2 x 8) but the cluster has 40',
    ]);
    expect(problems({ cluster: { nodes: 6 } })).toEqual([]);
    expect(problems({ placement: { exclusiveTopologyKey: 'kubernetes.io/hostname' } })).toEqual([
      'test/pd placement.exclusiveTopologyKey="kubernetes.io/hostname": keeps every pod of the group on one node, but an instance spans 2 nodes; use a rack or zone label',
    ]);
  });
});

describe('example qwen3-235b-multinode-h100 and its capacity report', () => {
  const app = Testing.app();
  const chart = qwen3235bMultinodeH100(app);
  const manifests = strictSynth(chart);
  const g = chart.node.findChild('pd') as PdServingGroup;
  const report = CapacityReport.of(g);

  test('validates strictly, with DP attention over the 4 KV heads', () => {
    expect(validateManifests(manifests)).toEqual([]);
    const args = container(findObject(manifests, 'RoleBasedGroup', 'qwen3-235b'), 'decode').args;
    expect(flagValues(args, '--dp-size')).toEqual(['4']);
    expect(args).toContain('--enable-dp-attention');
    expect(podTemplate(findObject(manifests, 'RoleBasedGroup', 'qwen3-235b'), 'decode').spec.containers[0].resources.limits).toEqual({ 'nvidia.com/gpu': 8, 'rdma/hca': 1 });
  });

  test('the report counts 2 nodes of 8 GPUs per instance', () => {
    // weights 470.2e9 B / TP 16 = 29.39e9 B = 27.37 GiB per GPU; 1 + 1 instances x 2 nodes x 8 GPUs = 32 GPUs
    expect(report.rows.map((r) => [r.role, r.replicas, r.nodesPerInstance, r.gpusPerPod, r.gpusTotal])).toEqual([
      ['prefill', 1, 2, 8, 16], ['decode', 1, 2, 8, 16], ['router', 1, 1, 0, 0],
    ]);
    expect(report.totalGpus).toBe(32);
    expect(report.rows[1].capacity!.weightsPerGpuBytes).toBeCloseTo(470.2e9 / 16, -3);
    // attention TP = 16 / 4 = 4 = KV heads: one KV head per GPU, 2 x 94 x 1 x 128 x 2 B per token
    expect(report.rows[1].capacity!.kvBytesPerTokenPerGpu).toBe(48128);
    expect(report.rows[1].capacity!.kvHeadsReplicated).toBe(false);
    expect(report.toText()).toContain('qwen3-235b: Qwen3-235B-A22B on H100 80GB, RBG v0.7, 32 GPUs, P:D 1:1');
    expect(report.mermaid()).toContain('8 GPU/pod, 2 nodes/instance');
    expect(report.toText()).toMatchSnapshot();
  });
});
