import { flagValuesOf } from './extra-args';
import { kvPool } from './kv-pool';
import { DisaggregationMode, resolveEngineMemory } from './memory-model';

/**
 * What one prefill or decode pod holds, as SGLang v0.5.18 will size it (FACTS §3): the fraction
 * it picks (or the user's), the chunked prefill size and decode graph batch it chooses, and the KV
 * pool left after the weights, with and without the assumed pre-load overhead.
 */
export interface ServerCapacity {
  /** `--mem-fraction-static` in effect: the user's value, or the one SGLang computes. */
  readonly memFractionStatic: number;
  /** True when memFractionStatic is SGLang's default (the user did not set it). */
  readonly memFractionEstimated: boolean;
  /** Chunked prefill size the engine uses (`--chunked-prefill-size` or its default). */
  readonly chunkedPrefillSize: number;
  /** Largest decode CUDA-graph batch the engine uses (`--cuda-graph-max-bs` or its default). */
  readonly cudaGraphMaxBs: number;
  /** Memory of one GPU as the driver reports it, in bytes. */
  readonly gpuMemoryBytes: number;
  /** Memory assumed held before the weights load, in bytes. */
  readonly preloadOverheadBytes: number;
  /** Bytes per GPU for weights and KV cache: (memory - overhead) x memFractionStatic. */
  readonly usableBytes: number;
  /** Weight bytes per GPU: weights / TP. */
  readonly weightsPerGpuBytes: number;
  /** KV-cache pool per GPU, in bytes: usable minus weights. */
  readonly kvPoolPerGpuBytes: number;
  /** KV pool per GPU with no pre-load overhead (the upper bound), in bytes. */
  readonly kvPoolPerGpuUpperBytes: number;
  /** KV bytes of one token on one GPU. */
  readonly kvBytesPerTokenPerGpu: number;
  /** KV tokens one instance (pod) holds, capped by maxTotalTokens. */
  readonly kvTokensPerInstance: number;
  /** KV tokens with no pre-load overhead. */
  readonly kvTokensPerInstanceUpper: number;
  /** Context length of one request (`--context-length`, else the model's native context). */
  readonly contextLength: number;
  /** Requests of full context length one instance holds at once. */
  readonly fullContextRequestsPerInstance: number;
  /** The same with no pre-load overhead: differs when the count flips on the overhead. */
  readonly fullContextRequestsUpper: number;
  /** TP above the model's KV heads: KV heads are replicated on several GPUs. */
  readonly kvHeadsReplicated: boolean;
}

/**
 * Inputs of the capacity of one server.
 * @internal
 */
export interface ServerCapacityInput {
  readonly gpuMemoryMiB: number;
  readonly preloadOverheadMiB: number;
  readonly mode: 'prefill' | 'decode';
  readonly tp: number;
  readonly dp: number;
  readonly dpAttention: boolean;
  readonly memFractionStatic?: number;
  readonly chunkedPrefillSize?: number;
  readonly maxRunningRequests?: number;
  readonly maxTotalTokens?: number;
  /** `--kv-cache-dtype` value, e.g. `fp8_e4m3`. */
  readonly kvCacheDtype?: string;
  readonly contextLength?: number;
  /** The server's extra arguments: graph and speculative flags feed the engine's choice. */
  readonly extraArgs: readonly string[];
  readonly model: {
    readonly layers: number; readonly kvHeads: number; readonly headDim: number;
    readonly weightsBytes: number; readonly nativeContextLength: number;
  };
}

/** Smallest KV pool per GPU that is worth running: 1 GiB. */
export const MIN_KV_POOL_BYTES = 1024 ** 3;

/** Bytes per KV element for a `--kv-cache-dtype` (the Qwen3 models are bf16). */
export function kvDtypeBytes(dtype?: string): number {
  return dtype !== undefined && dtype.startsWith('fp8') ? 1 : 2;
}

function intFlag(flags: Map<string, string[]>, name: string): number | undefined {
  const v = flags.get(name)?.[0];
  const n = v === undefined ? NaN : Number(v);
  return Number.isInteger(n) ? n : undefined;
}

function switchFlag(flags: Map<string, string[]>, name: string): boolean | undefined {
  const v = flags.get(name)?.[0];
  return v === undefined ? undefined : v !== 'false';
}

/**
 * The capacity of one server pod, or undefined when the inputs are out of range (the rules report
 * why).
 * @internal
 */
export function serverCapacity(input: ServerCapacityInput): ServerCapacity | undefined {
  const flags = flagValuesOf('server', input.extraArgs);
  const { model } = input;
  try {
    const engine = resolveEngineMemory({
      gpuMemoryMiB: input.gpuMemoryMiB,
      mode: input.mode === 'prefill' ? DisaggregationMode.PREFILL : DisaggregationMode.DECODE,
      tpSize: input.tp,
      dpSize: input.dp,
      enableDpAttention: input.dpAttention,
      chunkedPrefillSize: input.chunkedPrefillSize,
      maxRunningRequests: input.maxRunningRequests,
      memFractionStatic: input.memFractionStatic,
      cudaGraphMaxBs: intFlag(flags, '--cuda-graph-max-bs-decode') ?? intFlag(flags, '--cuda-graph-max-bs'),
      maxPrefillTokens: intFlag(flags, '--max-prefill-tokens'),
      speculativeNumDraftTokens: intFlag(flags, '--speculative-num-draft-tokens'),
      disableCudaGraph: switchFlag(flags, '--disable-cuda-graph'),
      disableDecodeCudaGraph: switchFlag(flags, '--disable-decode-cuda-graph'),
      disablePrefillCudaGraph: switchFlag(flags, '--disable-prefill-cuda-graph'),
    });
    const contextLength = input.contextLength ?? model.nativeContextLength;
    const pool = (overheadMiB: number) => kvPool({
      gpuMemoryMiB: input.gpuMemoryMiB,
      memFractionStatic: engine.memFractionStatic,
      weightsBytes: model.weightsBytes,
      layers: model.layers,
      kvHeads: model.kvHeads,
      headDim: model.headDim,
      kvDtypeBytes: kvDtypeBytes(input.kvCacheDtype),
      tpSize: input.tp,
      dpSize: input.dp,
      enableDpAttention: input.dpAttention,
      contextLength,
      preloadOverheadMiB: overheadMiB,
    });
    const expected = pool(input.preloadOverheadMiB);
    const upper = pool(0);
    const cap = input.maxTotalTokens;
    const tokens = (p: typeof expected) => (cap === undefined ? p.kvTokensPerPool : Math.min(cap, p.kvTokensPerPool));
    const requests = (p: typeof expected) => Math.floor(tokens(p) / contextLength) * p.kvPoolsPerInstance;
    return {
      memFractionStatic: engine.memFractionStatic,
      memFractionEstimated: !engine.memFractionStaticFromUser,
      chunkedPrefillSize: engine.chunkedPrefillSize,
      cudaGraphMaxBs: engine.cudaGraphMaxBs,
      gpuMemoryBytes: input.gpuMemoryMiB * 1024 * 1024,
      preloadOverheadBytes: input.preloadOverheadMiB * 1024 * 1024,
      usableBytes: expected.staticMemoryPerGpuBytes,
      weightsPerGpuBytes: expected.weightsPerGpuBytes,
      kvPoolPerGpuBytes: expected.kvPoolPerGpuBytes,
      kvPoolPerGpuUpperBytes: upper.kvPoolPerGpuBytes,
      kvBytesPerTokenPerGpu: expected.kvBytesPerTokenPerGpu,
      kvTokensPerInstance: tokens(expected) * expected.kvPoolsPerInstance,
      kvTokensPerInstanceUpper: tokens(upper) * upper.kvPoolsPerInstance,
      contextLength,
      fullContextRequestsPerInstance: requests(expected),
      fullContextRequestsUpper: requests(upper),
      kvHeadsReplicated: expected.kvHeadsReplicated,
    };
  } catch {
    return undefined;
  }
}

/** Bytes as GiB with two decimals, for messages and reports. */
export function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
