/* Synth-time rules of issue #3: for every rule, one config that passes and configs that fail. */
import { Chart, Size, Testing } from 'cdk8s';
import {
  GpuProfile, KvCacheDtype, ModelSource, PdServingGroup, PdServingGroupProps, QwenModel, QwenModelVolume,
  RbgTarget, RdmaProfile, RouterDiscovery, TransferBackend, ValidationProblem,
} from '../lib';
import { problemsOf, warningLines } from './support/check';

function group(overrides: Partial<PdServingGroupProps> = {}, model: QwenModel = QwenModel.QWEN3_32B): Chart {
  const chart = Testing.chart();
  const volume = new QwenModelVolume(chart, 'model', { model, source: ModelSource.pvc('weights') });
  new PdServingGroup(chart, 'pd', {
    name: 'sglang-pd',
    model: volume,
    engine: { tensorParallelSize: 2 },
    prefill: { replicas: 2 },
    decode: { replicas: 1 },
    ...overrides,
  });
  return chart;
}

/** Problems of a config; [] when it synthesizes. */
function problems(overrides: Partial<PdServingGroupProps> = {}, model?: QwenModel): ValidationProblem[] {
  return problemsOf(group(overrides, model));
}

function lines(overrides: Partial<PdServingGroupProps> = {}, model?: QwenModel): string[] {
  return problems(overrides, model).map((p) => `${p.path} ${p.field}=${p.value}: ${p.message}`);
}

function warnings(overrides: Partial<PdServingGroupProps> = {}, model?: QwenModel): string[] {
  const chart = group(overrides, model);
  Testing.synth(chart);
  return warningLines(chart);
}

describe('rule 1: tensor parallelism fits the attention heads', () => {
  test('TP=2 on Qwen3-32B passes', () => expect(lines()).toEqual([]));
  test('TP=3 is refused with the valid sizes listed', () => {
    expect(lines({ engine: { tensorParallelSize: 3 } })).toEqual(expect.arrayContaining([
      'test/pd/prefill tensorParallelSize=3: must divide the 64 attention heads of Qwen3-32B; valid: 1, 2, 4, 8, 16, 32, 64',
      'test/pd/decode tensorParallelSize=3: must divide the 64 attention heads of Qwen3-32B; valid: 1, 2, 4, 8, 16, 32, 64',
    ]));
  });
  test('TP above the KV heads passes with a warning', () => {
    const w = warnings({ engine: { tensorParallelSize: 16 }, gpu: GpuProfile.H100.withGpusPerNode(16), prefill: { replicas: 1 } });
    expect(w).toEqual(expect.arrayContaining([expect.stringContaining('is above the 8 KV heads of Qwen3-32B')]));
  });
  test('expert parallelism: only for MoE, and it must divide experts and GPUs', () => {
    expect(lines({ engine: { tensorParallelSize: 2, expertParallelSize: 2 } })).toEqual([
      expect.stringContaining('expertParallelSize=2: applies to mixture-of-experts models only; Qwen3-32B is dense'),
      expect.stringContaining('expertParallelSize=2: applies to mixture-of-experts models only'),
    ]);
    expect(lines({ engine: { tensorParallelSize: 4, expertParallelSize: 4 } }, QwenModel.QWEN3_30B_A3B)).toEqual([]);
    expect(lines({ engine: { tensorParallelSize: 4, expertParallelSize: 8 } }, QwenModel.QWEN3_30B_A3B)[0])
      .toContain('expertParallelSize=8: must divide both the 128 experts of Qwen3-30B-A3B and the 4 GPUs of a pod');
  });
});

describe('rule 2: weights plus a minimum KV pool fit in memFractionStatic x GPU memory', () => {
  test('the tutorial claim "GPUs of >= 32 GB" is caught: TP=2 bf16 Qwen3-32B on a 32 GB card', () => {
    const gpu32 = GpuProfile.custom({ name: 'generic 32GB', memory: Size.gibibytes(32) });
    const out = lines({ gpu: gpu32 });
    // By hand (FACTS §3), M = 32768 MiB < 35 GiB: C 2048, B 24. Prefill: 42 capture sizes <= 2048,
    // R = 512 + 1.5 x 2048 + 2/8 x 1024 + 8 x 42 = 4176 -> 0.873; (32768 - 1024) x 0.873 MiB = 27.06 GiB < 30.50 GiB of weights.
    // Decode: R = 512 + 3072 + 256 + 2 x 24 = 3888 -> 0.881; 31744 x 0.881 MiB = 27.31 GiB.
    expect(out).toEqual([
      'test/pd/prefill tensorParallelSize=2: Qwen3-32B does not fit: 0.873 (SGLang v0.5.18\'s default for a prefill server) x (32.00 GiB reported by the driver for generic 32GB'
      + ' - 1.00 GiB held before the weights load) = 27.06 GiB per GPU; weights 61.00 GiB / TP 2 = 30.50 GiB per GPU, leaving -3.44 GiB for the KV cache,'
      + ' below the minimum 1.00 GiB; use a larger TP, a GPU with more memory, or a higher memFractionStatic',
      expect.stringContaining('test/pd/decode tensorParallelSize=2: Qwen3-32B does not fit: 0.881 (SGLang v0.5.18\'s default for a decode server) x (32.00 GiB'),
    ]);
  });
  test('the same model passes on L20 48 GB (default) and at TP=4 on 32 GB', () => {
    expect(lines()).toEqual([]);
    expect(lines({ gpu: GpuProfile.custom({ name: 'generic 32GB', memory: Size.gibibytes(32) }), engine: { tensorParallelSize: 4 } })).toEqual([]);
  });
  test('a user memFractionStatic is used as given', () => {
    // (46068 - 1024) MiB x 0.6 = 27026.4 MiB = 26.39 GiB
    expect(lines({ engine: { tensorParallelSize: 2, memFractionStatic: 0.6 } })[0]).toContain('0.6 x (44.99 GiB reported by the driver for L20 48GB - 1.00 GiB held before the weights load) = 26.39 GiB per GPU; weights');
  });
});

describe('rule 3: a decode instance holds one request of the context length', () => {
  test('Qwen3-8B on one A10 holds 16k but not the native 40k context', () => {
    const base = { gpu: GpuProfile.A10, rdma: RdmaProfile.none(), prefill: { replicas: 1 } };
    expect(lines({ ...base, engine: { tensorParallelSize: 1, contextLength: 16384 } }, QwenModel.QWEN3_8B)).toEqual([]);
    const out = lines({ ...base, engine: { tensorParallelSize: 1 } }, QwenModel.QWEN3_8B);
    // A10 reports 23028 MiB: prefill 0.824, decode 0.837 (FACTS §3); neither pool holds 40,960 tokens of 147,456 bytes.
    expect(out).toEqual([
      expect.stringMatching(/^test\/pd\/prefill contextLength=40960: a prefill instance cannot hold one request of 40960 tokens: 0\.824 .* = 17714 tokens; lower contextLength/),
      expect.stringMatching(/^test\/pd\/decode contextLength=40960: a decode instance cannot hold one request of 40960 tokens: 0\.837 .* = 19748 tokens; lower contextLength/),
    ]);
  });
  test('fp8 KV cache halves the bytes per token and makes it fit', () => {
    expect(lines({ gpu: GpuProfile.A10, rdma: RdmaProfile.none(), engine: { tensorParallelSize: 1, kvCacheDtype: KvCacheDtype.FP8_E4M3 } }, QwenModel.QWEN3_8B)).toEqual([]);
  });
  test('a context above the native one needs a YaRN override', () => {
    expect(lines({ engine: { tensorParallelSize: 2, contextLength: 131072 } })).toEqual(expect.arrayContaining([
      expect.stringContaining('decode contextLength=131072: exceeds the native 40960 tokens of Qwen3-32B; set modelOverrideArgs on prefill and decode to { rope_scaling: { rope_type: \'yarn\''),
    ]));
  });
});

describe('rule 4: GPUs per pod fit a node; the group fits the cluster', () => {
  test('TP x DP above the GPUs of a node is refused', () => {
    expect(lines({ engine: { tensorParallelSize: 4, dataParallelSize: 4 } })).toEqual(expect.arrayContaining([
      'test/pd/prefill tensorParallelSize=4: TP x DP = 16 GPUs per pod, but a L20 48GB node has 8; a pod cannot span nodes',
    ]));
  });
  test('6 GPUs fit a cluster of 6 GPUs or one 8-GPU node, not 4 GPUs', () => {
    expect(lines({ cluster: { gpus: 6 } })).toEqual([]);
    expect(lines({ cluster: { nodes: 1 } })).toEqual([]);
    expect(lines({ cluster: { gpus: 4 } })).toEqual([
      'test/pd cluster={"gpus":4}: the group needs 6 GPUs (prefill 2 x 2 + decode 1 x 2) but the cluster has 4',
    ]);
  });
  test('pods are packed per node: two 6-GPU pods and a 4-GPU pod do not fit two 8-GPU nodes', () => {
    const layout = { prefill: { replicas: 2, dataParallelSize: 3 }, decode: { replicas: 1, dataParallelSize: 2 } };
    expect(lines({ ...layout, cluster: { gpus: 16 } })).toEqual([]);
    expect(lines({ ...layout, cluster: { nodes: 2 } })).toEqual([
      'test/pd cluster.nodes=2: 1 pod(s) of 4 GPUs do not fit on 2 node(s) of 8 L20 48GB GPUs, since a pod cannot span nodes',
    ]);
  });
});

describe('rule 5: prefill and decode agree', () => {
  test('shared engine options pass', () => {
    expect(lines({ engine: { tensorParallelSize: 2, pageSize: 64, kvCacheDtype: KvCacheDtype.FP8_E4M3, contextLength: 32768 } })).toEqual([]);
  });
  test.each([
    ['pageSize', { pageSize: 64 }, 'decode.pageSize=unset: differs from prefill.pageSize = 64: the KV handshake fails when page sizes differ'],
    ['kvCacheDtype', { kvCacheDtype: KvCacheDtype.FP8_E5M2 }, 'decode.kvCacheDtype=unset: differs from prefill.kvCacheDtype = "fp8_e5m2"'],
    ['contextLength', { contextLength: 16384 }, 'decode.contextLength=unset: differs from prefill.contextLength = 16384'],
    ['modelOverrideArgs', { modelOverrideArgs: { rope_theta: 1 } }, 'decode.modelOverrideArgs=unset: differs from prefill.modelOverrideArgs'],
    ['transferBackend', { transferBackend: TransferBackend.NIXL }, 'decode.transferBackend="mooncake": differs from prefill.transferBackend = "nixl"'],
  ])('%s set on prefill only is refused', (_name, prefillOnly, expected) => {
    expect(lines({ prefill: { replicas: 2, ...prefillOnly } })).toEqual([expect.stringContaining(expected)]);
  });
  test('the model path is shared by construction: both roles mount the same volume', () => {
    const chart = group();
    const g = chart.node.findAll().find((c): c is PdServingGroup => c instanceof PdServingGroup)!;
    expect(g.prefill.model).toBe(g.decode.model);
  });
});

describe('rule 6: RDMA', () => {
  test('RdmaProfile.none() with an RDMA backend is an error', () => {
    expect(lines({ rdma: RdmaProfile.none(), engine: { tensorParallelSize: 2, transferBackend: TransferBackend.MOONCAKE } })).toEqual(expect.arrayContaining([
      'test/pd/prefill transferBackend="mooncake": needs RDMA but the RDMA profile is RdmaProfile.none(); use TransferBackend.MOONCAKE_TCP or an RDMA profile such as RdmaProfile.erdma()',
    ]));
  });
  test('RdmaProfile.none() switches to TCP and is flagged as degraded', () => {
    expect(warnings({ rdma: RdmaProfile.none() })).toEqual([
      'test/pd/prefill rdma="none": degraded: KV cache moves over TCP (mooncake_tcp), far slower than RDMA; for functional tests only',
      'test/pd/decode rdma="none": degraded: KV cache moves over TCP (mooncake_tcp), far slower than RDMA; for functional tests only',
    ]);
  });
  test('eRDMA with mooncake passes without warnings; TCP with an RDMA device warns', () => {
    expect(warnings()).toEqual([]);
    expect(warnings({ engine: { tensorParallelSize: 2, transferBackend: TransferBackend.MOONCAKE_TCP } })[0]).toContain('does not use RDMA, yet every pod requests aliyun/erdma');
  });
});

describe('rule 7: names', () => {
  test('a 52-character group name still fits the v0.4 StatefulSet limit for short roles', () => {
    expect(lines({ name: 'a'.repeat(44) })).toEqual([]);
  });
  test('uppercase, empty and unicode group names are refused', () => {
    for (const name of ['SGLang', '', 'modèle']) {
      expect(lines({ name })).toEqual(expect.arrayContaining([expect.stringContaining(`test/pd name=${JSON.stringify(name)}: must be a DNS-1123 label`)]));
    }
  });
  test('derived names are computed per controller: s- prefix makes v0.7 overflow where v0.4 does not', () => {
    const name = 'n'.repeat(52 - '-prefill'.length); // workload name exactly 52
    expect(lines({ name, rbg: RbgTarget.V0_4 })).toEqual([]);
    expect(lines({ name, rbg: RbgTarget.V0_7 })).toEqual([]);
    const longer = 'n'.repeat(55);
    expect(lines({ name: longer, rbg: RbgTarget.V0_7 })).toEqual(expect.arrayContaining([
      expect.stringContaining(`the workload (StatefulSet) name "${longer}-prefill" derived for RBG v0.7 is 63 characters, over the limit of 52`),
      expect.stringContaining(`the headless Service name "s-${longer}-prefill" derived for RBG v0.7 is 65 characters, over the limit of 63`),
      expect.stringContaining(`the pod hostname "${longer}-prefill-1" derived for RBG v0.7 is 65 characters, over the limit of 63`),
    ]));
  });
});

describe('rule 8: ports', () => {
  test('distinct valid ports pass', () => expect(lines({ httpPort: 30000, bootstrapPort: 8998 })).toEqual([]));
  test('out of range and clashing ports are refused', () => {
    expect(lines({ httpPort: 70000 })).toEqual(expect.arrayContaining([expect.stringContaining('httpPort=70000: must be an integer from 1 to 65535')]));
    expect(lines({ bootstrapPort: 8000 })).toEqual(['test/pd/prefill bootstrapPort=8000: must differ from httpPort (8000)']);
    expect(lines({ router: { metricsPort: 8000 } })).toEqual(['test/pd/router router.metricsPort=8000: must differ from httpPort (8000)']);
  });
});

describe('rule 9: replicas', () => {
  test('zero, negative, fractional and huge replicas are refused', () => {
    expect(lines({ prefill: { replicas: 0 }, decode: { replicas: -1 }, router: { replicas: 1e9 } })).toEqual([
      'test/pd/prefill replicas=0: must be an integer from 1 to 1000',
      'test/pd/decode replicas=-1: must be an integer from 1 to 1000',
      'test/pd/router replicas=1000000000: must be an integer from 1 to 1000',
    ]);
    expect(lines({ decode: { replicas: 0.5 } })).toEqual(['test/pd/decode replicas=0.5: must be an integer from 1 to 1000']);
  });
});

describe('rule 10: SGLang flags in extraArgs', () => {
  test('known flags pass', () => {
    expect(lines({ prefill: { replicas: 2, extraArgs: ['--log-level', 'info', '--enable-cache-report'] }, router: { extraArgs: ['--request-timeout-secs', '600'] } })).toEqual([]);
  });
  test('unknown flags are refused with a suggestion', () => {
    expect(lines({ decode: { extraArgs: ['--log-levle', 'info'] } })).toEqual([
      expect.stringMatching(/^test\/pd\/decode extraArgs="--log-levle": decode extraArgs: unknown flag --log-levle .*did you mean --log-level\?/),
    ]);
  });
  test('removed flags and invalid choices are refused', () => {
    const out = lines({ decode: { extraArgs: ['--disaggregation-decode-tp', '2', '--load-format', 'magic'] } });
    expect(out).toEqual([
      // GIVEN --load-format on decode only THEN the sides disagree on how to load the model, too
      expect.stringContaining('prefill gives --load-format nowhere, decode magic'),
      expect.stringContaining('--disaggregation-decode-tp was removed in SGLang v0.5.10'),
      expect.stringContaining('--load-format value "magic" is not allowed; choose one of'),
    ]);
  });
  test('deprecated flags are warnings', () => {
    expect(warnings({ decode: { extraArgs: ['--disable-cuda-graph'] } })).toEqual([
      expect.stringContaining('--disable-cuda-graph is deprecated since SGLang v0.5.15'),
    ]);
  });
  test('a flag owned by a typed prop cannot appear in extraArgs, even unset', () => {
    expect(lines({ prefill: { replicas: 2, extraArgs: ['--tp-size', '4'] } })[0]).toContain('--tp-size');
    expect(lines({ prefill: { replicas: 2, extraArgs: ['--page-size', '64'] } })[0]).toContain('--page-size');
  });
  test('abbreviations are refused in favour of the full name', () => {
    expect(lines({ prefill: { replicas: 2, extraArgs: ['--tp', '2'] } })[0]).toContain('always write the full flag name --tp-size');
  });
  test('flags of the other role are refused', () => {
    expect(lines({ decode: { extraArgs: ['--disaggregation-bootstrap-port', '34000'] } })[0]).toContain('prefill-only');
    expect(lines({ router: { extraArgs: ['--tp-size', '2'] } })[0]).toContain('unknown flag --tp-size');
  });
});

test('all problems of a synth are reported together', () => {
  const out = problems({ name: 'Bad', engine: { tensorParallelSize: 3 }, decode: { replicas: 0, extraArgs: ['--nope'] }, router: { discovery: RouterDiscovery.KUBERNETES, metricsPort: 0 } });
  expect(new Set(out.map((p) => p.field))).toEqual(new Set(['name', 'tensorParallelSize', 'replicas', 'extraArgs', 'router.metricsPort']));
});

test('typed parser names are checked against the SGLang catalog', () => {
  expect(lines({ engine: { tensorParallelSize: 2, reasoningParser: 'qwen3', toolCallParser: 'qwen25' } })).toEqual([]);
  expect(lines({ engine: { tensorParallelSize: 2, reasoningParser: 'qwen-3' } })[0]).toMatch(/reasoningParser="qwen-3": is not a --reasoning-parser of SGLang v0.5.18; choose one of .*qwen3/);
});

describe('DP attention', () => {
  test('the DP ranks share the TP GPUs: a pod gets TP GPUs, not TP x DP', () => {
    const chart = group({ engine: { tensorParallelSize: 8, dataParallelSize: 8, enableDpAttention: true, expertParallelSize: 8 } }, QwenModel.QWEN3_30B_A3B);
    const manifests = Testing.synth(chart);
    const g = chart.node.findAll().find((c): c is PdServingGroup => c instanceof PdServingGroup)!;
    expect(g.prefill.gpusPerPod).toBe(8);
    expect(g.prefill.args).toEqual(expect.arrayContaining(['--dp-size', '8', '--enable-dp-attention']));
    const rbg = manifests.find((m: any) => m.kind === 'RoleBasedGroup');
    const decode = rbg.spec.roles.find((r: any) => r.name === 'decode');
    expect(decode.standalonePattern.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(8);
    // attention at TP 8/8 = 1 per rank: all 4 KV heads on each GPU
    expect(g.decode.capacity!.kvBytesPerTokenPerGpu).toBe(2 * 48 * 4 * 128 * 2);
  });
  test('DP must divide TP, and the flag cannot sneak in through extraArgs', () => {
    expect(lines({ engine: { tensorParallelSize: 4, dataParallelSize: 3, enableDpAttention: true } }, QwenModel.QWEN3_30B_A3B)).toEqual(expect.arrayContaining([
      expect.stringContaining('dataParallelSize=3: with enableDpAttention must be at least 2 and divide tensorParallelSize (4)'),
    ]));
    expect(lines({ decode: { extraArgs: ['--enable-dp-attention'] } })[0]).toContain('--enable-dp-attention');
  });
});
