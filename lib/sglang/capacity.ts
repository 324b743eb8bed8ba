/**
 * Memory and KV-cache arithmetic of one SGLang server role (FACTS §5):
 *
 * - weights per GPU ~ weights / TP
 * - usable per GPU = memFractionStatic x GPU memory
 * - KV pool per GPU = usable - weights per GPU
 * - KV bytes per token per GPU = 2 x layers x max(1, kvHeads / TP) x headDim x dtype bytes
 *
 * When the user does not set memFractionStatic, it is estimated the way SGLang v0.5 derives it:
 * GPU memory minus a reserve for activations of one prefill chunk, CUDA graphs and the parallel
 * runtime. It is an estimate (SGLang measures the free memory at start-up).
 */

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** What a server role's memory looks like on one GPU. */
export interface ServerCapacity {
  /** `--mem-fraction-static` in effect: the user's value, or the estimate of what SGLang picks. */
  readonly memFractionStatic: number;
  /** True when memFractionStatic is an estimate (the user did not set it). */
  readonly memFractionEstimated: boolean;
  /** Memory of one GPU, in bytes. */
  readonly gpuMemoryBytes: number;
  /** Bytes per GPU for weights and KV cache: memFractionStatic x GPU memory. */
  readonly usableBytes: number;
  /** Weight bytes per GPU: weights / TP. */
  readonly weightsPerGpuBytes: number;
  /** KV-cache pool per GPU, in bytes: usable minus weights. */
  readonly kvPoolPerGpuBytes: number;
  /** KV bytes of one token on one GPU: 2 x layers x max(1, kvHeads / TP) x headDim x dtype bytes. */
  readonly kvBytesPerTokenPerGpu: number;
  /** KV tokens one instance (pod) holds: per-GPU pool / per-token bytes, times DP ranks. */
  readonly kvTokensPerInstance: number;
  /** Context length of one request (`--context-length`, else the model's native context). */
  readonly contextLength: number;
  /** Requests of full context length one instance holds at once. */
  readonly fullContextRequestsPerInstance: number;
  /** TP above the model's KV heads: KV heads are replicated on several GPUs. */
  readonly kvHeadsReplicated: boolean;
}

/** Inputs of the arithmetic. */
export interface ServerCapacityInput {
  readonly gpuMemoryBytes: number;
  readonly tp: number;
  readonly dp: number;
  /** DP attention: the DP ranks split the TP group, so attention (and KV) runs at TP / DP per rank. */
  readonly dpAttention?: boolean;
  readonly memFractionStatic?: number;
  readonly chunkedPrefillSize?: number;
  /** `--kv-cache-dtype` value, e.g. `fp8_e4m3`. */
  readonly kvCacheDtype?: string;
  readonly contextLength?: number;
  readonly model: {
    readonly layers: number; readonly kvHeads: number; readonly headDim: number;
    readonly weightsBytes: number; readonly nativeContextLength: number;
  };
}

/** Smallest KV pool per GPU that is worth running: 1 GiB. */
export const MIN_KV_POOL_BYTES = 1 * GiB;

/** SGLang v0.5's default chunked prefill size for a GPU of this size. */
export function defaultChunkedPrefill(gpuMemoryBytes: number): number {
  const gib = gpuMemoryBytes / GiB;
  if (gib < 35) return 2048;
  if (gib < 60) return 4096;
  if (gib < 160) return 8192;
  return 16384;
}

/** SGLang v0.5's default largest CUDA-graph batch for a GPU of this size. */
function defaultCudaGraphMaxBs(gpuMemoryBytes: number, tp: number): number {
  const gib = gpuMemoryBytes / GiB;
  if (gib < 20) return 8;
  if (gib < 35) return tp < 4 ? 24 : 80;
  if (gib < 60) return tp < 4 ? 80 : 160;
  return tp < 4 ? 160 : 256;
}

/** Estimated `--mem-fraction-static` SGLang picks when none is given. */
export function estimateMemFraction(gpuMemoryBytes: number, tp: number, chunkedPrefillSize?: number): number {
  const chunk = chunkedPrefillSize ?? defaultChunkedPrefill(gpuMemoryBytes);
  const reservedMiB = 512 + 1.5 * Math.max(chunk, 2048) + 2 * defaultCudaGraphMaxBs(gpuMemoryBytes, tp) + (tp / 8) * 1024;
  const fraction = (gpuMemoryBytes - reservedMiB * MiB) / gpuMemoryBytes;
  return Math.round(fraction * 1000) / 1000;
}

/** Bytes per KV element for a `--kv-cache-dtype` (the Qwen3 models are bf16). */
export function kvDtypeBytes(dtype?: string): number {
  return dtype !== undefined && dtype.startsWith('fp8') ? 1 : 2;
}

export function serverCapacity(input: ServerCapacityInput): ServerCapacity {
  const { model, tp, dp, gpuMemoryBytes } = input;
  const memFractionEstimated = input.memFractionStatic === undefined;
  const memFractionStatic = input.memFractionStatic ?? estimateMemFraction(gpuMemoryBytes, tp, input.chunkedPrefillSize);
  const usableBytes = memFractionStatic * gpuMemoryBytes;
  const weightsPerGpuBytes = model.weightsBytes / tp;
  const kvPoolPerGpuBytes = usableBytes - weightsPerGpuBytes;
  const attentionTp = input.dpAttention === true ? Math.max(1, tp / dp) : tp;
  const kvBytesPerTokenPerGpu = 2 * model.layers * Math.max(1, Math.floor(model.kvHeads / attentionTp)) * model.headDim * kvDtypeBytes(input.kvCacheDtype);
  const tokensPerRank = Math.max(0, Math.floor(kvPoolPerGpuBytes / kvBytesPerTokenPerGpu));
  const contextLength = input.contextLength ?? model.nativeContextLength;
  return {
    memFractionStatic,
    memFractionEstimated,
    gpuMemoryBytes,
    usableBytes,
    weightsPerGpuBytes,
    kvPoolPerGpuBytes,
    kvBytesPerTokenPerGpu,
    kvTokensPerInstance: tokensPerRank * dp,
    contextLength,
    fullContextRequestsPerInstance: Math.floor(tokensPerRank / contextLength) * dp,
    kvHeadsReplicated: tp > model.kvHeads,
  };
}

/** Bytes as GiB with two decimals, for messages and reports. */
export function gib(bytes: number): string {
  return `${(bytes / GiB).toFixed(2)} GiB`;
}
