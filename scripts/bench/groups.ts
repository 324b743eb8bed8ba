/**
 * A chart of `count` distinct PdServingGroups for the benchmark: mixed Qwen3 models, GPUs,
 * parallelism, replica counts, RBG targets, router discovery modes, RDMA profiles and model
 * sources. Every group passes validation (same kinds of configurations as test/validation.test.ts);
 * each has its own QwenModelVolume with its own claim, and group names are unique DNS labels.
 */
import { App, Chart, Size } from 'cdk8s';
import {
  GpuProfile, KvCacheDtype, ModelSource, PdServingGroup, PdServingGroupProps, QwenModel, QwenModelVolume,
  RbgTarget, RdmaProfile, RouterDiscovery, RouterPolicy,
} from '../../lib';

interface Variant {
  readonly model: QwenModel;
  readonly props: Omit<PdServingGroupProps, 'name' | 'model'>;
}

/** Topologies that pass validation; cycled through with the other dimensions below. */
const VARIANTS: readonly Variant[] = [
  // The ACK tutorial: Qwen3-32B 2P1D, TP=2 on L20.
  { model: QwenModel.QWEN3_32B, props: { prefill: { replicas: 2, tensorParallelSize: 2 }, decode: { replicas: 1, tensorParallelSize: 2 } } },
  // Small model, single GPU pods, fp8 KV cache, a cluster check.
  { model: QwenModel.QWEN3_8B, props: { engine: { tensorParallelSize: 1, kvCacheDtype: KvCacheDtype.FP8_E4M3 }, prefill: { replicas: 1 }, decode: { replicas: 1 }, cluster: { gpus: 8 } } },
  // Qwen3-14B at TP=4 with page size, parsers and router options.
  {
    model: QwenModel.QWEN3_14B,
    props: {
      engine: { tensorParallelSize: 4, pageSize: 64, reasoningParser: 'qwen3', toolCallParser: 'qwen25' },
      prefill: { replicas: 3 },
      decode: { replicas: 2 },
      router: { policy: RouterPolicy.ROUND_ROBIN },
    },
  },
  // MoE: Qwen3-30B-A3B, TP=4 with expert parallelism 4, on H100 nodes.
  { model: QwenModel.QWEN3_30B_A3B, props: { gpu: GpuProfile.H100, engine: { tensorParallelSize: 4, expertParallelSize: 4 }, prefill: { replicas: 1 }, decode: { replicas: 1 }, cluster: { nodes: 1 } } },
  // Long context through YaRN on A100 80 GB.
  {
    model: QwenModel.QWEN3_32B,
    props: {
      gpu: GpuProfile.A100_80GB,
      engine: {
        tensorParallelSize: 4,
        memFractionStatic: 0.85,
        contextLength: 131072,
        modelOverrideArgs: { rope_scaling: { rope_type: 'yarn', factor: 4.0, original_max_position_embeddings: 32768 }, max_position_embeddings: 131072 },
      },
      prefill: { replicas: 4, chunkedPrefillSize: 8192 },
      decode: { replicas: 2, maxRunningRequests: 64 },
    },
  },
  // The tiny model with extra arguments checked against the flag catalog.
  { model: QwenModel.QWEN3_0_6B, props: { prefill: { replicas: 2, extraArgs: ['--log-level', 'info'] }, decode: { replicas: 2 }, router: { extraArgs: ['--request-timeout-secs', '600'] } } },
  // The largest MoE: Qwen3-235B-A22B at TP=8 on H20 96 GB.
  { model: QwenModel.QWEN3_235B_A22B, props: { gpu: GpuProfile.H20, engine: { tensorParallelSize: 8 }, prefill: { replicas: 1 }, decode: { replicas: 1 } } },
];

const TARGETS = [RbgTarget.V0_7, RbgTarget.V0_6, RbgTarget.V0_4];
const RDMA = [() => RdmaProfile.erdma(), () => RdmaProfile.rdmaHca({ ibDevice: 'mlx5_0' }), () => RdmaProfile.none()];
const DISCOVERY = [RouterDiscovery.STATIC, RouterDiscovery.KUBERNETES];

/** Adds group number `i` (and its model volume) to `chart`. */
export function addGroup(chart: Chart, i: number): PdServingGroup {
  const v = VARIANTS[i % VARIANTS.length];
  const name = `pd-${String(i).padStart(4, '0')}`;
  const model = new QwenModelVolume(chart, `${name}-model`, {
    model: v.model,
    claimName: `${name}-weights`,
    capacity: Size.gibibytes(Math.ceil(v.model.weightsGigabytes) + 10),
    source: i % 2 === 0
      ? ModelSource.oss({ bucket: 'bench-models', endpoint: 'oss-cn-hangzhou-internal.aliyuncs.com', path: `/${v.model.name}/` })
      : ModelSource.pvc(`${name}-weights`),
  });
  return new PdServingGroup(chart, name, {
    ...v.props,
    name,
    model,
    rbg: TARGETS[Math.floor(i / VARIANTS.length) % TARGETS.length],
    rdma: RDMA[Math.floor(i / 3) % RDMA.length](),
    router: { ...v.props.router, discovery: DISCOVERY[Math.floor(i / 2) % DISCOVERY.length] },
  });
}

/** One chart (namespace `bench`) holding `count` groups. */
export function benchChart(app: App, count: number): Chart {
  const chart = new Chart(app, 'bench', { namespace: 'bench' });
  for (let i = 0; i < count; i++) addGroup(chart, i);
  return chart;
}
