import { App, Chart, Size } from 'cdk8s';
import { GpuProfile, ModelSource, OssfsVersion, PdServingGroup, QwenModel, QwenModelVolume, RdmaProfile } from '../lib';

/**
 * A small PD setup: Qwen3-8B, 1 prefill + 1 decode on single A10 24 GB GPUs without RDMA
 * (KV over TCP: degraded, for functional testing). The 40k native context does not fit one A10's
 * KV pool, so the context is capped at 16k; the model is mounted with ossfs 2.0.
 */
export function qwen38bA10(app: App): Chart {
  const chart = new Chart(app, 'qwen3-8b-a10');
  const model = new QwenModelVolume(chart, 'model', {
    model: QwenModel.QWEN3_8B,
    claimName: 'qwen3-8b',
    capacity: Size.gibibytes(20),
    source: ModelSource.oss({
      bucket: 'your-bucket-name',
      endpoint: 'oss-cn-beijing-internal.aliyuncs.com',
      path: '/Qwen3-8B/',
      ossfsVersion: OssfsVersion.V2,
    }),
  });
  new PdServingGroup(chart, 'pd', {
    name: 'qwen3-8b',
    model,
    gpu: GpuProfile.A10,
    rdma: RdmaProfile.none(),
    engine: { tensorParallelSize: 1, contextLength: 16384, reasoningParser: 'qwen3', toolCallParser: 'qwen25' },
    prefill: { replicas: 1 },
    decode: { replicas: 1 },
    cluster: { nodes: 1 },
  });
  return chart;
}
