import { GpuProfile } from '../model/gpu-profile';
import { QwenModel } from '../model/qwen-model';
import { MIN_KV_POOL_BYTES, ServerCapacity, gib } from '../sglang/capacity';
import { SglangServerOptions } from '../sglang/server-options';
import { Finding, Findings } from './findings';

/**
 * A server whose props passed their own rules, with the model it serves.
 * @internal
 */
export interface FitState {
  /** `decode` servers must hold one full-context request. */
  readonly mode: 'prefill' | 'decode';
  readonly model: QwenModel;
  readonly gpu: GpuProfile;
  readonly tensorParallelSize: number;
  readonly dataParallelSize: number;
  readonly gpusPerPod: number;
  /** GPUs of an instance (more than of a pod when the instance spans nodes). */
  readonly gpusPerInstance?: number;
  readonly options: SglangServerOptions;
  readonly capacity: ServerCapacity;
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/**
 * Model-aware rules: parallelism against the model's heads and experts, GPUs per node, memory fit
 * and KV room for one full-context request.
 * @internal
 */
export function fitRules(s: FitState): Finding[] {
  const f = new Findings();
  const { model, gpu } = s;
  const tp = s.tensorParallelSize;
  const o = s.options;
  if (model.attentionHeads % tp !== 0) {
    f.error('tensorParallelSize', tp, `must divide the ${model.attentionHeads} attention heads of ${model.name}; valid: ${divisors(model.attentionHeads).filter((d) => d <= 64).join(', ')}`);
    return f.list;
  }
  // With DP attention each attention group spans TP / DP GPUs.
  const attentionTp = o.enableDpAttention === true && s.dataParallelSize > 1 ? tp / s.dataParallelSize : tp;
  if (attentionTp > model.kvHeads) {
    f.warn('tensorParallelSize', tp, `is above the ${model.kvHeads} KV heads of ${model.name}: each KV head is replicated on ${attentionTp / model.kvHeads} GPUs, so KV memory per token does not shrink further`);
  }
  const ep = o.expertParallelSize;
  if (ep !== undefined) {
    if (model.moe === undefined) {
      f.error('expertParallelSize', ep, `applies to mixture-of-experts models only; ${model.name} is dense`);
    } else if (model.moe.experts % ep !== 0 || (s.gpusPerInstance ?? s.gpusPerPod) % ep !== 0) {
      const gpus = s.gpusPerInstance ?? s.gpusPerPod;
      f.error('expertParallelSize', ep, `must divide both the ${model.moe.experts} experts of ${model.name} and the ${gpus} GPUs of ${s.gpusPerInstance === undefined ? 'a pod' : 'an instance'}`);
    }
  }
  if (s.gpusPerPod > gpu.gpusPerNode) {
    f.error('tensorParallelSize', tp, `TP x DP = ${s.gpusPerPod} GPUs per pod, but a ${gpu.name} node has ${gpu.gpusPerNode}; a pod cannot span nodes`);
  }
  const c = s.capacity;
  const arithmetic = `${c.memFractionStatic}${c.memFractionEstimated ? ` (SGLang v0.5.18's default for a ${s.mode} server)` : ''} x (${gib(c.gpuMemoryBytes)} reported by the driver for ${gpu.name} - ${gib(c.preloadOverheadBytes)} held before the weights load)`
    + ` = ${gib(c.usableBytes)} per GPU; weights ${gib(model.weightsBytes)} / TP ${tp} = ${gib(c.weightsPerGpuBytes)} per GPU`;
  if (c.kvPoolPerGpuBytes < MIN_KV_POOL_BYTES) {
    f.error('tensorParallelSize', tp, `${model.name} does not fit: ${arithmetic}, leaving ${gib(c.kvPoolPerGpuBytes)} for the KV cache, below the minimum ${gib(MIN_KV_POOL_BYTES)}; use a larger TP, a GPU with more memory, or a higher memFractionStatic`);
    return f.list;
  }
  if (c.fullContextRequestsPerInstance < 1) {
    const detail = `${arithmetic}, KV pool ${gib(c.kvPoolPerGpuBytes)} per GPU / ${c.kvBytesPerTokenPerGpu} bytes per token = ${c.kvTokensPerInstance / s.dataParallelSize} tokens`;
    if (c.fullContextRequestsUpper < 1) {
      f.error('contextLength', c.contextLength, `a ${s.mode} instance cannot hold one request of ${c.contextLength} tokens: ${detail}; lower contextLength, use fp8 KV cache, a larger TP or bigger GPUs`);
    } else {
      f.warn('contextLength', c.contextLength, `a ${s.mode} instance may not hold one request of ${c.contextLength} tokens: ${detail}; it does only if less than ${gib(c.preloadOverheadBytes)} is held before the weights load (gpu.preloadOverhead)`);
    }
  }
  return f.list;
}
