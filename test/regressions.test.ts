/*
 * Regression tests for the bugs the property test (test/property.test.ts) found, one per bug, each
 * built from the shrunk counterexample: before the fix, every one of these configurations either
 * crashed with an error other than SglangPdValidationError, synthesized YAML the API server
 * rejects, or produced NaN/Infinity in an error message or the capacity report.
 */
import { strictSynth, warningLines } from './support/check';
import { Chart, Size, Testing } from 'cdk8s';
import {
  CapacityReport, GpuProfile, KvCacheDtype, ModelSource, PdServingGroup, PdServingGroupProps, QwenModel, QwenModelVolume,
  RbgTarget, RdmaProfile, RouterDiscovery, SglangImage, SglangPdValidationError, ValidationProblem, synthesize, validate,
} from '../lib';
import { validateManifests } from './schema/strict-schema';
import { Manifest, container, findObject, podTemplate } from './util';

const PVC = ModelSource.pvc('weights');
const OSS = { bucket: 'models', endpoint: 'oss-cn-hangzhou-internal.aliyuncs.com' };

type Outcome = { objs: Manifest[]; problems?: undefined } | { objs?: undefined; problems: ValidationProblem[] };

/** Builds the constructs into a fresh chart and synthesizes; any error but SglangPdValidationError fails. */
function outcome(build: (chart: Chart) => void, namespace?: string): Outcome {
  const chart = new Chart(Testing.app(), 'test', { namespace });
  build(chart);
  try {
    return { objs: strictSynth(chart) };
  } catch (e) {
    if (!(e instanceof SglangPdValidationError)) throw e;
    return { problems: e.problems };
  }
}

function group(overrides: Partial<PdServingGroupProps> = {}, model: QwenModel = QwenModel.QWEN3_0_6B, source: ModelSource = PVC) {
  return (chart: Chart) => {
    const volume = new QwenModelVolume(chart, 'model', { model, source });
    new PdServingGroup(chart, 'pd', { name: 'pd', model: volume, ...overrides });
  };
}

/** "path field=value" of every problem; fails when the config synthesizes. */
function refused(build: (chart: Chart) => void, namespace?: string): string[] {
  const o = outcome(build, namespace);
  if (o.problems === undefined) throw new Error(`expected SglangPdValidationError, synthesized ${o.objs.length} objects`);
  for (const p of o.problems) expect(`${p.value} ${p.message}`).not.toMatch(/undefined|\[object Object\]/);
  return o.problems.map((p) => `${p.path} ${p.field}=${p.value}: ${p.message}`);
}

function synthesized(build: (chart: Chart) => void): Manifest[] {
  const o = outcome(build);
  if (o.objs === undefined) throw new Error(`expected to synthesize, got:\n${o.problems.map((p) => `${p.path} ${p.field}=${p.value}: ${p.message}`).join('\n')}`);
  expect(validateManifests(o.objs)).toEqual([]);
  return o.objs;
}

describe('crashes with an error other than SglangPdValidationError', () => {
  test('an rbg that is not an RbgTarget is a validation problem, not "unsupported RBG target"', () => {
    // Before: Error: unsupported RBG target v9, thrown by the constructor.
    const bogus = { release: 'v9', version: 'v1beta1' } as unknown as RbgTarget;
    expect(refused(group({ rbg: bogus }))).toEqual([
      'test/pd rbg={"release":"v9","version":"v1beta1"}: must be RbgTarget.V0_4, RbgTarget.V0_6 or RbgTarget.V0_7',
    ]);
  });

  test('a nodeSelector without prototype (Object.create(null)) synthesizes', () => {
    // Before: TypeError: Cannot read properties of undefined (reading 'name') inside cdk8s toJson.
    const nodeSelector: Record<string, string> = Object.assign(Object.create(null), { gpu: 'l20' });
    const objs = synthesized(group({ prefill: { nodeSelector } }));
    expect(podTemplate(findObject(objs, 'RoleBasedGroup', 'pd'), 'prefill').spec.nodeSelector).toEqual({ gpu: 'l20' });
  });
});

describe('wrong manifests accepted', () => {
  test('a role option set to undefined does not unset the engine or group value', () => {
    // Before: prefill ran TP=1 and the default image, since `{...engine, ...prefill}` copied the undefineds.
    const objs = synthesized(group({
      image: SglangImage.of('registry.example.com/sglang:v0.5.18'),
      engine: { tensorParallelSize: 2, kvCacheDtype: KvCacheDtype.FP8_E4M3 },
      prefill: { tensorParallelSize: undefined, kvCacheDtype: undefined, image: undefined },
      router: { image: undefined },
    }, QwenModel.QWEN3_32B));
    const rbg = findObject(objs, 'RoleBasedGroup', 'pd');
    const prefill = container(rbg, 'prefill');
    expect(prefill.args.join(' ')).toContain('--tp-size 2');
    expect(prefill.args.join(' ')).toContain('--kv-cache-dtype fp8_e4m3');
    expect(prefill.resources.limits['nvidia.com/gpu']).toBe(2);
    expect(prefill.image).toBe('registry.example.com/sglang:v0.5.18');
    expect(container(rbg, 'router').image).toBe('registry.example.com/sglang:v0.5.18');
  });

  test('a group name starting with a digit is refused: it names a Service (DNS-1035)', () => {
    // Before: Service "1pd" was written; the API server rejects Service names that start with a digit.
    expect(refused(group({ name: '1pd' }))).toEqual([
      expect.stringMatching(/^test\/pd name="1pd": must be a DNS-1123 label that starts with a letter \(a DNS-1035 label, since it names a Service\)/),
    ]);
  });

  test('a custom GPU resource name must be an extended resource name', () => {
    // Before: resources.limits["ዹ"] (or "") was written.
    for (const resourceName of ['ዹ', '', 'gpu', 'kubernetes.io/gpu']) {
      const gpu = GpuProfile.custom({ name: 'MI300X', memory: Size.gibibytes(192), resourceName });
      expect(refused(group({ gpu }))).toEqual(expect.arrayContaining([
        `test/pd/prefill gpu.resourceName=${JSON.stringify(resourceName)}: must be an extended resource name with a domain prefix (not kubernetes.io, requests. or limits.), e.g. "nvidia.com/gpu" or "amd.com/gpu"`,
      ]));
    }
  });

  test('an RDMA resource must have a domain prefix and must not be the GPU resource', () => {
    // Before: RdmaProfile.custom('memory') set limits.memory = 1 (one byte, below the request), and
    // RdmaProfile.custom('nvidia.com/gpu') overwrote the GPU limit with the RDMA count.
    expect(refused(group({ rdma: RdmaProfile.custom('memory') }))).toEqual(expect.arrayContaining([
      'test/pd/prefill rdma.resourceName="memory": must be an extended resource name with a domain prefix (not kubernetes.io, requests. or limits.), such as "aliyun/erdma" or "rdma/hca"',
    ]));
    expect(refused(group({ rdma: RdmaProfile.custom('nvidia.com/gpu'), engine: { tensorParallelSize: 2 } }))).toEqual(expect.arrayContaining([
      'test/pd/prefill rdma.resourceName="nvidia.com/gpu": is also the GPU resource of L20 48GB; the RDMA device needs its own resource',
    ]));
  });

  test('the model cannot be mounted at /dev/shm', () => {
    // Before: two volumeMounts at /dev/shm (the model and the shared memory); rejected by the API server.
    expect(refused((chart) => {
      const volume = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: PVC, mountPath: '/dev/shm' });
      new PdServingGroup(chart, 'pd', { name: 'pd', model: volume });
    })).toEqual([
      'test/model mountPath="/dev/shm": overlaps /dev/shm, which serving pods use for themselves (shared memory, system files); choose another path, e.g. "/models/Qwen3-32B"',
    ]);
  });

  test('nodeSelector keys and values must be labels', () => {
    // Before: nodeSelector {"/x": ..., "A.b/c": ..., "k": "v" x 64} was written unchecked.
    expect(refused(group({ router: { nodeSelector: { '/x': 'a', 'A.b/c': 'b', pool: 'v'.repeat(64) } } }))).toEqual([
      expect.stringMatching(/^test\/pd\/router nodeSelector="\/x": keys must be label keys/),
      expect.stringMatching(/^test\/pd\/router nodeSelector="A.b\/c": keys must be label keys/),
      expect.stringMatching(/^test\/pd\/router nodeSelector.pool="v{64}": must be a label value/),
    ]);
  });

  test('sizes too large for a Kubernetes quantity are refused', () => {
    // Before: memory "1e+25Ti" and capacity "1e+25Ti" were written (not quantities).
    expect(refused((chart) => {
      const volume = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.oss(OSS), capacity: Size.tebibytes(1e25) });
      new PdServingGroup(chart, 'pd', { name: 'pd', model: volume, prefill: { memory: Size.tebibytes(1e25) } });
    })).toEqual([
      'test/model capacity="1e+25Ti": must be a positive whole number of KiB, at most 1 EiB, e.g. Size.gibibytes(30)',
      'test/pd/prefill memory="1e+25Ti": must be a positive whole number of KiB, at most 1 EiB, e.g. Size.gibibytes(64)',
    ]);
  });

  test('an OSS claim name is also a label value: at most 63 characters', () => {
    // Before: label alicloud-pvname with 64+ characters; rejected by the API server.
    const claimName = 'c'.repeat(64);
    expect(refused((chart) => new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.oss(OSS), claimName }))).toEqual([
      `test/model claimName="${claimName}": is 64 characters; an OSS volume's claim name is also the label alicloud-pvname that binds the claim, and label values are limited to 63`,
    ]);
    // An existing claim is only referenced: subdomain rules apply.
    expect(outcome((chart) => new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.pvc(claimName) })).objs).toEqual([]);
  });

  test('two groups of one name in one namespace, or two OSS volumes of one claim, are refused', () => {
    // Before: RoleBasedGroup/pd and Service/pd (or PersistentVolume/llm-model) twice in one manifest.
    expect(refused((chart) => {
      const volume = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: PVC });
      new PdServingGroup(chart, 'pd', { name: 'pd', model: volume });
      new PdServingGroup(chart, 'pd2', { name: 'pd', model: volume, gpu: GpuProfile.H100 });
    })).toEqual([
      expect.stringMatching(/^test\/pd2 name="s-pd-prefill": clashes with test\/pd: both would write Service s-pd-prefill .*RoleBasedGroup.workloads.x-k8s.io pd in namespace default, CoordinatedPolicy.workloads.x-k8s.io pd in namespace default, Service pd in namespace default; give them different names or namespaces$/),
      'test/pd2/NetworkPolicies name="pd-router": clashes with test/pd/NetworkPolicies: both would write NetworkPolicy.networking.k8s.io pd-router in namespace default, NetworkPolicy.networking.k8s.io pd-prefill in namespace default, NetworkPolicy.networking.k8s.io pd-decode in namespace default; give them different names or namespaces',
    ]);
    expect(refused((chart) => {
      new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.oss(OSS) });
      new QwenModelVolume(chart, 'model2', { model: QwenModel.QWEN3_8B, source: ModelSource.oss({ ...OSS, path: '/Qwen3-8B/' }) });
    })).toEqual([
      'test/model2 name="llm-model": clashes with test/model: both would write cluster-scoped PersistentVolume llm-model, PersistentVolumeClaim llm-model in namespace default; give them different names or namespaces',
    ]);
    const credentials = { accessKeyId: 'LTAI0000000000000000', accessKeySecret: 'x'.repeat(30) };
    expect(refused((chart) => {
      new QwenModelVolume(chart, 'a', { model: QwenModel.QWEN3_0_6B, claimName: 'a', source: ModelSource.oss({ ...OSS, credentials }) });
      new QwenModelVolume(chart, 'b', { model: QwenModel.QWEN3_8B, claimName: 'b', source: ModelSource.oss({ ...OSS, credentials }) });
    })).toEqual([
      'test/b name="oss-secret": clashes with test/a: both would write Secret oss-secret in namespace default; give them different names or namespaces',
    ]);
    // Different namespaces (separate charts) are fine for groups.
    const app = Testing.app();
    for (const ns of ['a', 'b']) group()(new Chart(app, ns, { namespace: ns }));
    expect(() => app.synth()).not.toThrow();
  });

  test('a replica count of 2^31 is refused without building one router URL per replica', () => {
    // Before: the app-wide rules rendered the router's args with 2^31 URLs and ran out of memory
    // (property test case 792 of seed 20251125).
    const started = Date.now();
    expect(refused(group({ decode: { replicas: 2 ** 31 } }))).toContain('test/pd/decode replicas=2147483648: must be an integer from 1 to 1000');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('server extraArgs that change the GPUs of a server are refused', () => {
    // Before: --pp-size 2 was accepted; the pod gets TP x DP GPUs, SGLang needs TP x PP.
    for (const args of [['--pp-size', '2'], ['--pipeline-parallel-size', '2'], ['--nnodes', '2'], ['--base-gpu-id', '1']]) {
      expect(refused(group({ decode: { extraArgs: args } }))).toEqual(expect.arrayContaining([
        expect.stringMatching(/^test\/pd\/decode extraArgs=.*changes which GPUs, how many, or on how many nodes one server runs/),
      ]));
    }
  });
});

describe('computed NaN or Infinity in messages and reports', () => {
  /** Problems of a config whose input is finite: no NaN or Infinity may appear. */
  const refusedFinite = (build: (chart: Chart) => void) => {
    const lines = refused(build);
    for (const l of lines) expect(l).not.toMatch(/NaN|Infinity/);
    return lines;
  };

  test('a GPU below 1 GiB reports only gpu.memory, not a fit computed from it', () => {
    // Before: "-Infinity x 0.00 GiB (RTX 6000 Ada) = -Infinity GiB usable per GPU ...".
    const gpu = GpuProfile.custom({ name: 'RTX 6000 Ada', memory: Size.gibibytes(8.4e-323) });
    expect(refusedFinite(group({ gpu }))).toEqual([
      'test/pd/prefill gpu.memory="8.4e-323Gi": must be from 1 GiB to 64 TiB, e.g. Size.gibibytes(48) or reportedMemoryMiB: 46068',
      'test/pd/decode gpu.memory="8.4e-323Gi": must be from 1 GiB to 64 TiB, e.g. Size.gibibytes(48) or reportedMemoryMiB: 46068',
    ]);
  });

  test('a GPU of 1e300 TiB is refused instead of an Infinity capacity report', () => {
    // Before: synthesized, with "Infinity" KV tokens in the capacity report.
    const gpu = GpuProfile.custom({ name: 'huge', memory: Size.tebibytes(1e300) });
    expect(refusedFinite(group({ gpu }))[0]).toBe('test/pd/prefill gpu.memory="1e+300Ti": must be from 1 GiB to 64 TiB, e.g. Size.gibibytes(48) or reportedMemoryMiB: 46068');
  });

  test('an overflowing size is shown as written, not as "Infinity"', () => {
    // Before: memory = "Infinity".
    expect(refusedFinite(group({ prefill: { memory: Size.pebibyte(1e300) } }))).toEqual([
      'test/pd/prefill memory="1e+300Pi": must be a positive whole number of KiB, at most 1 EiB, e.g. Size.gibibytes(64)',
    ]);
  });

  test('a huge TP is reported once, without "the group needs Infinity GPUs"', () => {
    // Before: cluster = {...}: the group needs Infinity GPUs (prefill 1 x 1.797693134862313e+308 ...).
    const lines = refusedFinite(group({ engine: { tensorParallelSize: 1.797693134862313e308 }, cluster: { nodes: 8, gpus: 39673 } }));
    expect(lines.filter((l) => l.startsWith('test/pd cluster'))).toEqual([]);
    expect(lines).toContain('test/pd/prefill tensorParallelSize=1.797693134862313e+308: must be an integer from 1 to 64');
  });

  test('custom model facts are checked by the volume', () => {
    // Before: headDim 1e42 gave "Infinity bytes per token"; NaN weights gave a NaN startup probe threshold.
    const custom = (over: Partial<Parameters<typeof QwenModel.custom>[0]>) => QwenModel.custom({
      name: 'MyModel-7B', layers: 32, attentionHeads: 32, kvHeads: 8, paramsBillions: 7, weightsGigabytes: 14, ...over,
    });
    expect(refusedFinite(group({}, custom({ headDim: 1e42 })))).toEqual(['test/model model.headDim=1e+42: must be an integer from 1 to 65536']);
    expect(refused(group({}, custom({ weightsGigabytes: NaN })))).toEqual(['test/model model.weightsGigabytes=NaN: must be a positive number up to 1000000']);
    // The roles do not try to fit a model with bad facts ("must divide the 0 attention heads; valid: ").
    expect(refusedFinite(group({}, custom({ attentionHeads: 0, name: '' })))).toEqual([
      'test/model model.name="": must be a name of letters, digits, ".", "_" and "-", e.g. "Qwen3-32B" (it is also the default mount directory)',
      'test/model model.attentionHeads=0: must be an integer from 1 to 65536',
    ]);
    expect(refused(group({}, custom({ kvHeads: 5 })))).toEqual(['test/model model.kvHeads=5: must divide the 32 attention heads (grouped-query attention)']);
    expect(refused(group({}, custom({ moe: { experts: 8, activeExperts: 9 } })))).toEqual(['test/model model.moe.activeExperts=9: must be an integer from 1 to 8']);
    // A sane custom model still synthesizes, with a finite startup probe.
    const objs = synthesized(group({}, custom({})));
    expect(container(findObject(objs, 'RoleBasedGroup', 'pd'), 'prefill').startupProbe.failureThreshold).toBe(74);
  });
});

describe('messages that rendered junk', () => {
  test('an httpPort of the wrong type with Kubernetes discovery is refused for itself, not as two roles on "[object Object]"', () => {
    // Before (seed 20251125, case 7128): router.discovery: "prefill listens on [object Object] and decode on [object Object]".
    const lines = refused(group({ httpPort: {} as never, router: { discovery: RouterDiscovery.KUBERNETES } }));
    expect(lines.filter((l) => l.includes('router.discovery'))).toEqual([]);
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^test\/pd\/prefill httpPort=\{\}: /)]));
  });
});

describe('credentials', () => {
  test('synthesize() warns when a Secret with credentials is written', () => {
    // Before: the Secret was written silently.
    const app = Testing.app();
    const chart = new Chart(app, 'test');
    const credentials = { accessKeyId: 'LTAI5tAbCdEfGhIjKlMnOpQr', accessKeySecret: 'S3cr3tS3cr3tS3cr3tS3cr3tS3cr3t' };
    const volume = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.oss({ ...OSS, credentials }) });
    new PdServingGroup(chart, 'pd', { name: 'pd', model: volume });
    const lines: string[] = [];
    synthesize(app, { log: (l) => lines.push(l) });
    expect(lines).toContain('warning: [test/model] source.credentials = "<redacted>": the AccessKey is written in plain text to the Secret "oss-secret" in the manifests;'
      + ' prefer an existing Secret (secretName) or RRSA (rrsaRoleName), and keep the output out of version control');
    expect(lines.join('\n')).not.toContain(credentials.accessKeySecret);
    expect(validate(volume).warnings).toHaveLength(1);
  });

  test('credential flags in extraArgs are warned about, without echoing the value', () => {
    const chart = Testing.chart();
    const volume = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: PVC });
    const g = new PdServingGroup(chart, 'pd', { name: 'pd', model: volume, router: { extraArgs: ['--api-key', 'sk-live-0123456789'] } });
    strictSynth(chart);
    expect(warningLines(g)).toContain(
      'test/pd/router extraArgs="--api-key": router extraArgs: --api-key puts a credential in plain text into the manifests (the container args), readable by anyone who can read them or the output directory',
    );
    expect(CapacityReport.of(g).toText()).not.toContain('sk-live-0123456789');
  });
});
