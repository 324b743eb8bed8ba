import { Testing } from 'cdk8s';
import {
  GpuProfile, KvCacheDtype, ModelSource, QwenModel, QwenModelVolume, RbgTarget, RdmaProfile, SglangRole, SglangRoleKind,
} from '../lib';
import { flagValues } from './util';

function setup() {
  const chart = Testing.chart();
  const model = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_14B, source: ModelSource.pvc('qwen3-14b') });
  return { chart, model };
}

describe('SglangRole', () => {
  test('a prefill role renders every typed flag with its full name', () => {
    // GIVEN a prefill role with most typed props set
    const { chart, model } = setup();
    const role = new SglangRole(chart, 'prefill', {
      kind: SglangRoleKind.PREFILL,
      groupName: 'g',
      model,
      tensorParallelSize: 4,
      dataParallelSize: 2,
      memFractionStatic: 0.8,
      contextLength: 32768,
      chunkedPrefillSize: 8192,
      maxRunningRequests: 32,
      pageSize: 16,
      kvCacheDtype: KvCacheDtype.FP8_E4M3,
      reasoningParser: 'qwen3',
      toolCallParser: 'qwen25',
      trustRemoteCode: true,
      servedModelName: 'qwen3-14b',
      modelOverrideArgs: { b: 1, a: { d: 2, c: 3 } },
      rdma: RdmaProfile.custom('rdma/roce_gdr', { count: 2, ibDevice: 'mlx5_0' }),
      bootstrapPort: 8998,
      httpPort: 30000,
    });
    // THEN
    const a = role.args;
    expect(a).toMatchSnapshot();
    expect(role.gpusPerPod).toBe(8);
    expect(flagValues(a, '--tp-size')).toEqual(['4']);
    expect(flagValues(a, '--dp-size')).toEqual(['2']);
    expect(flagValues(a, '--json-model-override-args')).toEqual(['{"a":{"c":3,"d":2},"b":1}']);
    expect(flagValues(a, '--disaggregation-bootstrap-port')).toEqual(['8998']);
    expect(flagValues(a, '--disaggregation-ib-device')).toEqual(['mlx5_0']);
    expect(a.filter((x) => x.startsWith('-') && !x.startsWith('--'))).toEqual([]);
    for (const flag of a.filter((x) => x.startsWith('--'))) expect(role.typedFlags).toContain(flag);
    expect(role.podDnsName(3)).toBe('g-prefill-3.s-g-prefill');
    expect(role.podUrl(0)).toBe('http://g-prefill-0.s-g-prefill:30000');
    expect(role.capacity?.kvBytesPerTokenPerGpu).toBe(2 * 40 * 2 * 128 * 1);
    expect(Testing.synth(chart)).toEqual([]); // a role alone emits no object: PdServingGroup renders it
  });

  test('defaults: TP=1, L20, eRDMA, decode has no bootstrap port', () => {
    const { chart, model } = setup();
    const role = new SglangRole(chart, 'decode', { kind: SglangRoleKind.DECODE, groupName: 'g', model, rbg: RbgTarget.V0_4 });
    expect(role.gpusPerPod).toBe(1);
    expect(role.gpu).toBe(GpuProfile.L20);
    expect(role.bootstrapPort).toBeUndefined();
    expect(role.rdma.resourceName).toBe('aliyun/erdma');
    expect(role.podSelector).toEqual({ 'rolebasedgroup.workloads.x-k8s.io/name': 'g', 'rolebasedgroup.workloads.x-k8s.io/role': 'decode' });
    expect(role.podDnsName(0)).toBe('g-decode-0.g-decode');
  });

  test('a router without routing is refused', () => {
    const { chart } = setup();
    new SglangRole(chart, 'router', { kind: SglangRoleKind.ROUTER, groupName: 'g' });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/router\] routing = unset: a router role needs routing/);
  });

  test('environment variables: sorted, validated, reserved names refused', () => {
    const { chart, model } = setup();
    const role = new SglangRole(chart, 'decode', { kind: SglangRoleKind.DECODE, groupName: 'g', model, env: { B: '2', A: '1' } });
    role.addEnv('SGLANG_HOST_IP', 'x');
    expect(() => Testing.synth(chart)).toThrow(/env = "SGLANG_HOST_IP": is set by the library/);
  });
});
