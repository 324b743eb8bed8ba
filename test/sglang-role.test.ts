import { Testing } from 'cdk8s';
import {
  DecodeRole, GpuProfile, KvCacheDtype, ModelSource, PrefillRole, QwenModel, QwenModelVolume, RbgTarget, RdmaProfile, RouterRole,
} from '../lib';
import { SERVER_TYPED_FLAGS } from '../lib/sglang/typed-flags';
import { errorLines } from './support/check';
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
    const role = new PrefillRole(chart, 'prefill', {
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
    for (const flag of a.filter((x) => x.startsWith('--'))) expect(Object.keys(SERVER_TYPED_FLAGS)).toContain(flag);
    expect(role.podDnsName(3)).toBe('g-prefill-3.s-g-prefill');
    expect(role.podUrl(0)).toBe('http://g-prefill-0.s-g-prefill:30000');
    expect(role.capacity?.kvBytesPerTokenPerGpu).toBe(2 * 40 * 2 * 128 * 1);
    expect(Testing.synth(chart)).toEqual([]); // a role alone emits no object: PdServingGroup renders it
  });

  test('defaults: TP=1, L20, eRDMA, decode has no bootstrap port', () => {
    const { chart, model } = setup();
    const role = new DecodeRole(chart, 'decode', { groupName: 'g', model, rbg: RbgTarget.V0_4 });
    expect(role.gpusPerPod).toBe(1);
    expect(role.gpu).toBe(GpuProfile.L20);
    expect(role.bootstrapPort).toBeUndefined();
    expect(role.rdma.resourceName).toBe('aliyun/erdma');
    expect(role.podSelector).toEqual({ 'rolebasedgroup.workloads.x-k8s.io/name': 'g', 'rolebasedgroup.workloads.x-k8s.io/role': 'decode' });
    expect(role.podDnsName(0)).toBe('g-decode-0.g-decode');
  });

  test('a router without its prefill and decode roles is refused (a JavaScript caller can omit them)', () => {
    // GIVEN a router built without workers, as an untyped caller could
    const { chart } = setup();
    new RouterRole(chart, 'router', { groupName: 'g' } as never);
    // THEN both missing roles are named
    expect(errorLines(chart)).toEqual([
      'test/router prefill=unset: must be a PrefillRole',
      'test/router decode=unset: must be a DecodeRole',
    ]);
  });

  test('props are copied: editing the caller\'s objects after construction changes nothing', () => {
    // GIVEN a decode role built from arrays and objects the caller keeps
    const { chart, model } = setup();
    const extraArgs = ['--log-level', 'info'];
    const env: Record<string, string> = { A: '1' };
    const nodeSelector: Record<string, string> = { pool: 'gpu' };
    const overrides: Record<string, unknown> = { rope_scaling: { rope_type: 'yarn', factor: 2 } };
    const role = new DecodeRole(chart, 'decode', { groupName: 'g', model, extraArgs, env, nodeSelector, modelOverrideArgs: overrides });
    // WHEN the caller edits them
    extraArgs.push('--tp-size', '8');
    env.B = '$(A)';
    nodeSelector['bad key!'] = 'x';
    (overrides.rope_scaling as Record<string, unknown>).factor = 99;
    // THEN the role renders what it was given, and reports nothing
    expect(role.extraArgs).toEqual(['--log-level', 'info']);
    expect(flagValues(role.args, '--json-model-override-args')).toEqual(['{"rope_scaling":{"factor":2,"rope_type":"yarn"}}']);
    expect(errorLines(chart)).toEqual([]);
  });

  test('overrides that JSON cannot hold are copied too: the caller cannot make them pass after construction', () => {
    // GIVEN a decode role given overrides with a BigInt, which are refused
    const { chart, model } = setup();
    const overrides: Record<string, unknown> = { max_position_embeddings: BigInt(131072) };
    const role = new DecodeRole(chart, 'decode', { groupName: 'g', model, modelOverrideArgs: overrides });
    // WHEN the caller replaces the BigInt after construction
    overrides.max_position_embeddings = 131072;
    // THEN the role still reports what it was given, and renders none of the caller's later value
    expect(errorLines(chart)).toEqual(['test/decode modelOverrideArgs={"max_position_embeddings":"131072n"}: must be plain JSON: max_position_embeddings is a BigInt, which JSON cannot hold']);
    expect(role.options.modelOverrideArgs).not.toBe(overrides);
  });

  test('changes through the add methods are validated at synth', () => {
    // GIVEN a valid decode role
    const { chart, model } = setup();
    const role = new DecodeRole(chart, 'decode', { groupName: 'g', model });
    // WHEN a GPU-layout flag and a bad node label are added later
    role.addExtraArgs('--tp-size', '8');
    role.addNodeSelector('pool', 'not a label');
    // THEN both are refused, naming the typed prop to use
    expect(errorLines(chart)).toEqual([
      'test/decode nodeSelector.pool="not a label": must be a label value: empty, or at most 63 characters of a-z, A-Z, 0-9, "-", "_" and ".", starting and ending alphanumeric',
      'test/decode extraArgs="--tp-size": decode extraArgs: --tp-size is set by the library; use tensorParallelSize instead of extraArgs',
    ]);
  });

  test('environment variables: sorted, validated, reserved names refused', () => {
    const { chart, model } = setup();
    const role = new DecodeRole(chart, 'decode', { groupName: 'g', model, env: { B: '2', A: '1' } });
    role.addEnv('SGLANG_HOST_IP', 'x');
    expect(() => Testing.synth(chart)).toThrow(/env = "SGLANG_HOST_IP": is set by the library/);
    expect(role.args).toEqual(expect.arrayContaining(['--disaggregation-mode', 'decode']));
  });
});
