/**
 * The KV pool SGLang v0.5.18 leaves per GPU after the weights (FACTS §3), from the fraction that
 * memory-model.ts computes: with the documented pre-load overhead, and with none (the upper bound).
 */
import { fraction, positive, positiveInteger } from '../util/checks';
import { DEFAULT_PRELOAD_OVERHEAD_MIB, MIB } from './memory-model';

/**
 * Inputs of {@link kvPool}: one server instance (pod) of a model on GPUs of one kind.
 */
export interface KvPoolInput {
  /** `memory.total` of one GPU, MiB, as nvidia-smi reports it (`M`). */
  readonly gpuMemoryMiB: number;
  /** `--mem-fraction-static` in effect, in (0, 1] (see {@link EngineMemory.memFractionStatic}). */
  readonly memFractionStatic: number;
  /** Size of all the model's weights, bytes (Qwen3-32B in bf16: 65.5 × 10^9). */
  readonly weightsBytes: number;
  /** Transformer layers. */
  readonly layers: number;
  /** Key/value heads. */
  readonly kvHeads: number;
  /** Dimension of one attention head. */
  readonly headDim: number;
  /**
   * Bytes per KV element: 2 for bf16, 1 for fp8 (`--kv-cache-dtype fp8_*`).
   * @default 2
   */
  readonly kvDtypeBytes?: number;
  /** `--tp-size`. */
  readonly tpSize: number;
  /**
   * `--pp-size`. The weights and layers are taken as split evenly over the stages; the stage
   * with the most layers sets the KV bytes per token.
   * @default 1
   */
  readonly ppSize?: number;
  /**
   * `--dp-size`: KV pools per instance (one per DP rank or replica).
   * @default 1
   */
  readonly dpSize?: number;
  /**
   * `--enable-dp-attention`: attention, and so the KV heads, run at TP / DP per DP rank.
   * @default false
   */
  readonly enableDpAttention?: boolean;
  /** Context length of one request, tokens (`--context-length`, else the model's native context). */
  readonly contextLength: number;
  /**
   * What the CUDA context and communication buffers hold before the weights load, MiB. An
   * assumption: SGLang measures it at start-up, this library cannot.
   * @default 1024 (see DEFAULT_PRELOAD_OVERHEAD_MIB)
   */
  readonly preloadOverheadMiB?: number;
}

/**
 * KV cache of one server instance.
 */
export interface KvPool {
  /** Pre-load overhead this estimate assumes, MiB. */
  readonly preloadOverheadMiB: number;
  /** Memory for weights and KV per GPU, bytes: (M − overhead) × fraction. */
  readonly staticMemoryPerGpuBytes: number;
  /** Weights per GPU, bytes: weights / (TP × PP). */
  readonly weightsPerGpuBytes: number;
  /** KV pool per GPU, bytes: static memory − weights per GPU (negative when the weights do not fit). */
  readonly kvPoolPerGpuBytes: number;
  /** TP of the attention layers: TP / DP with DP attention, else TP. */
  readonly attentionTpSize: number;
  /** KV heads one GPU stores: max(1, ⌊kvHeads / attention TP⌋). */
  readonly kvHeadsPerGpu: number;
  /** True when attention TP exceeds the KV heads, so KV heads are replicated on several GPUs. */
  readonly kvHeadsReplicated: boolean;
  /** KV bytes of one token on one GPU: 2 × layers per stage × KV heads per GPU × head dim × dtype bytes. */
  readonly kvBytesPerTokenPerGpu: number;
  /** Separate KV pools in the instance: the DP size (each DP rank or replica has its own). */
  readonly kvPoolsPerInstance: number;
  /** Tokens one pool holds: ⌊KV pool per GPU / KV bytes per token per GPU⌋, at least 0. */
  readonly kvTokensPerPool: number;
  /** Tokens the instance holds: tokens per pool × pools. */
  readonly kvTokensPerInstance: number;
  /** Context length the request count is for. */
  readonly contextLength: number;
  /** Requests of full context length the instance holds at once: ⌊tokens per pool / context⌋ × pools. */
  readonly fullContextRequestsPerInstance: number;
}

/**
 * KV pool per GPU ≈ (M − overhead) × fraction − weights / TP (FACTS §3: SGLang gives the KV cache
 * what is free after loading the weights minus `P × (1 − fraction)`, `P` being the memory free
 * before loading), and what it holds.
 *
 * KV bytes per token per GPU = 2 × layers × max(1, ⌊kvHeads / attention TP⌋) × headDim × dtype
 * bytes. Choice for DP: every DP rank (with DP attention) or DP replica (without) keeps its own
 * pool, so an instance holds DP pools; with DP attention the attention TP is TP / DP, which
 * gives each GPU more KV heads per token and so fewer tokens per pool.
 *
 * @throws RangeError when an input is out of range.
 */
export function kvPool(input: KvPoolInput): KvPool {
  const m = input.gpuMemoryMiB;
  positive('gpuMemoryMiB', m);
  fraction('memFractionStatic', input.memFractionStatic);
  if (!Number.isFinite(input.weightsBytes) || input.weightsBytes < 0) {
    throw new RangeError(`weightsBytes must be a finite number >= 0, got ${input.weightsBytes}`);
  }
  const layers = positiveInteger('layers', input.layers);
  const kvHeads = positiveInteger('kvHeads', input.kvHeads);
  const headDim = positiveInteger('headDim', input.headDim);
  const dtypeBytes = positive('kvDtypeBytes', input.kvDtypeBytes ?? 2);
  const tp = positiveInteger('tpSize', input.tpSize);
  const pp = positiveInteger('ppSize', input.ppSize ?? 1);
  const dp = positiveInteger('dpSize', input.dpSize ?? 1);
  const context = positiveInteger('contextLength', input.contextLength);
  const overhead = input.preloadOverheadMiB ?? DEFAULT_PRELOAD_OVERHEAD_MIB;
  if (!Number.isFinite(overhead) || overhead < 0 || overhead >= m) {
    throw new RangeError(`preloadOverheadMiB must be >= 0 and below gpuMemoryMiB (${m}), got ${overhead}`);
  }
  const dpAttention = input.enableDpAttention === true;
  if (dpAttention && tp % dp !== 0) {
    throw new RangeError(`with enableDpAttention, dpSize (${dp}) must divide tpSize (${tp})`);
  }

  const staticBytes = (m - overhead) * input.memFractionStatic * MIB;
  const weightsPerGpu = input.weightsBytes / (tp * pp);
  const poolBytes = staticBytes - weightsPerGpu;
  const attentionTp = dpAttention ? tp / dp : tp;
  const headsPerGpu = Math.max(1, Math.floor(kvHeads / attentionTp));
  const bytesPerToken = 2 * Math.ceil(layers / pp) * headsPerGpu * headDim * dtypeBytes;
  const tokensPerPool = Math.max(0, Math.floor(poolBytes / bytesPerToken));
  return {
    preloadOverheadMiB: overhead,
    staticMemoryPerGpuBytes: staticBytes,
    weightsPerGpuBytes: weightsPerGpu,
    kvPoolPerGpuBytes: poolBytes,
    attentionTpSize: attentionTp,
    kvHeadsPerGpu: headsPerGpu,
    kvHeadsReplicated: attentionTp > kvHeads,
    kvBytesPerTokenPerGpu: bytesPerToken,
    kvPoolsPerInstance: dp,
    kvTokensPerPool: tokensPerPool,
    kvTokensPerInstance: tokensPerPool * dp,
    contextLength: context,
    fullContextRequestsPerInstance: Math.floor(tokensPerPool / context) * dp,
  };
}

/**
 * The KV figures at the assumed pre-load overhead and at none, for reports that must not hide a
 * boundary: the tutorial's decode pod holds one full-context request at 1 GiB overhead and two at
 * 0 (FACTS §3).
 */
export interface KvPoolRange {
  /** At the input's overhead (default 1 GiB): the expected figures. */
  readonly expected: KvPool;
  /** At overhead 0: an upper bound (nothing but the weights used GPU memory before the KV cache). */
  readonly upperBound: KvPool;
  /** True when the two disagree on full-context requests per instance: show a range then. */
  readonly fullContextRequestsVary: boolean;
}

/**
 * {@link kvPool} at the input's pre-load overhead and at overhead 0.
 *
 * @throws RangeError when an input is out of range.
 */
export function kvPoolRange(input: KvPoolInput): KvPoolRange {
  const expected = kvPool(input);
  const upperBound = kvPool({ ...input, preloadOverheadMiB: 0 });
  return {
    expected,
    upperBound,
    fullContextRequestsVary: expected.fullContextRequestsPerInstance !== upperBound.fullContextRequestsPerInstance,
  };
}
