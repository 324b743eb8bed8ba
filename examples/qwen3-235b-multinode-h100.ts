import { App, Chart } from 'cdk8s';
import { GpuProfile, ModelSource, PdServerRoleOptions, PdServingGroup, QwenModel, QwenModelVolume, RdmaProfile } from '../lib';

/**
 * Qwen3-235B-A22B (MoE, 470 GB of bf16 weights) in PD mode on H100 80 GB nodes with InfiniBand:
 * each prefill and each decode instance spans 2 nodes of 8 GPUs (TP=16, expert parallelism 16,
 * DP attention over 4 groups so each attention group holds exactly the model's 4 KV heads), as a
 * leader/worker role of the RBG v0.7 controller. The router addresses the leaders only.
 */
export function qwen3235bMultinodeH100(app: App): Chart {
  const chart = new Chart(app, 'qwen3-235b-multinode-h100', { namespace: 'llm' });
  const model = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_235B_A22B, source: ModelSource.pvc('qwen3-235b-a22b-weights') });
  const twoNodes: PdServerRoleOptions = {
    replicas: 1,
    nodesPerInstance: 2,
    tensorParallelSize: 16,
    dataParallelSize: 4,
    enableDpAttention: true,
    expertParallelSize: 16,
  };
  new PdServingGroup(chart, 'pd', {
    name: 'qwen3-235b',
    model,
    gpu: GpuProfile.H100,
    rdma: RdmaProfile.rdmaHca({ ibDevice: 'mlx5_0,mlx5_1,mlx5_2,mlx5_3,mlx5_4,mlx5_5,mlx5_6,mlx5_7' }),
    engine: { reasoningParser: 'qwen3', toolCallParser: 'qwen25' },
    prefill: twoNodes,
    decode: twoNodes,
    cluster: { nodes: 4 },
  });
  return chart;
}
