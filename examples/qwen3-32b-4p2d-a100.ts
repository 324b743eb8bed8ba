import { App, Chart } from 'cdk8s';
import { GpuProfile, ModelSource, PdServingGroup, QwenModel, QwenModelVolume, RdmaProfile } from '../lib';

/**
 * A larger layout: Qwen3-32B, 4 prefill + 2 decode at TP=4 on A100 80 GB nodes with Mellanox
 * RDMA (`rdma/hca`), 131k context through YaRN, model on an existing PVC.
 */
export function qwen332b4p2dA100(app: App): Chart {
  const chart = new Chart(app, 'qwen3-32b-4p2d-a100');
  const model = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_32B, source: ModelSource.pvc('qwen3-32b-weights') });
  new PdServingGroup(chart, 'pd', {
    name: 'qwen3-32b',
    model,
    gpu: GpuProfile.A100_80GB,
    rdma: RdmaProfile.rdmaHca({ ibDevice: 'mlx5_0,mlx5_1' }),
    engine: {
      tensorParallelSize: 4,
      memFractionStatic: 0.85,
      pageSize: 64,
      contextLength: 131072,
      modelOverrideArgs: {
        rope_scaling: { rope_type: 'yarn', factor: 4.0, original_max_position_embeddings: 32768 },
        max_position_embeddings: 131072,
      },
    },
    prefill: { replicas: 4, chunkedPrefillSize: 8192 },
    decode: { replicas: 2, maxRunningRequests: 64 },
    cluster: { nodes: 3 },
  });
  return chart;
}
