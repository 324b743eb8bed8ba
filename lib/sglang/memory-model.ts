/**
 * What one SGLang v0.5.18 server does with the memory of its GPUs, computed the way the engine
 * does it at start-up (FACTS §3 "Default `--mem-fraction-static` of SGLang v0.5.18", §5b).
 *
 * Two steps, both pure arithmetic (no I/O, no cdk8s):
 *
 * 1. {@link resolveEngineMemory}: the sizes SGLang picks from the GPU's memory when the user gives
 *    none (chunked prefill size, largest decode CUDA-graph batch), the memory it keeps back for
 *    activations and CUDA graphs, and from that the default `--mem-fraction-static`.
 * 2. {@link kvPool} / {@link kvPoolRange}: how much KV cache that fraction leaves per GPU once the
 *    weights are loaded, in tokens and in full-context requests per server instance.
 *
 * All memory inputs are MiB as `nvidia-smi --query-gpu=memory.total` reports them (see
 * the `GpuProfile` presets), never the marketing size: SGLang sizes itself from that number.
 *
 * Limits of the model, all outside what the default deployments use: speculative decoding's own
 * default for `--max-running-requests`, multimodal models (SGLang lowers their fraction further),
 * MLA models (their prefill graph reserve is a flat 1.5 GiB), DeepEP all-to-all buffers (2 GiB on
 * top), `--cuda-graph-config` JSON, explicit capture lists (`--cuda-graph-bs-*`,
 * `--cuda-graph-max-bs-prefill`), the opt-in `SGLANG_ENABLE_POST_CAPTURE_KV_SIZING` and the
 * engine's automatic prefill-graph switch-offs for incompatible features are not modelled.
 *
 * @module
 */

import { fraction, integer, positive, positiveInteger } from '../util/checks';

/** Bytes in one MiB. @internal */
export const MIB = 1024 * 1024;

/**
 * Memory the CUDA context and communication buffers hold before SGLang loads the weights, in MiB:
 * 1 GiB. An assumption (about what these GPUs show), not a measured value; override it per GPU
 * with {@link KvPoolInput.preloadOverheadMiB}.
 */
export const DEFAULT_PRELOAD_OVERHEAD_MIB = 1024;

/** SGLang's default `--max-prefill-tokens`: 16384. */
export const DEFAULT_MAX_PREFILL_TOKENS = 16384;

/** Smallest reserve SGLang keeps on a GPU of more than 60 GiB: 10 GiB, in MiB. */
export const LARGE_GPU_RESERVE_FLOOR_MIB = 10 * 1024;

/**
 * The server mode, `--disaggregation-mode` of `sglang.launch_server`.
 */
export enum DisaggregationMode {
  /** `--disaggregation-mode prefill`: a PD prefill server. It captures no decode CUDA graph. */
  PREFILL = 'prefill',
  /** `--disaggregation-mode decode`: a PD decode server. It captures no prefill CUDA graph. */
  DECODE = 'decode',
  /** No disaggregation (SGLang's value `null`): one server that prefills and decodes. */
  NONE = 'null',
}

/**
 * Values of `--cuda-graph-backend-decode` / `--cuda-graph-backend-prefill` (SGLang v0.5.18).
 * Any value other than `DISABLED` means the phase's graph is captured.
 */
export enum CudaGraphBackend {
  /** Whole-forward graph. */
  FULL = 'full',
  /** Segmented capture (SGLang's CUDA default for the prefill graph). */
  BREAKABLE = 'breakable',
  /** torch.compile with piecewise graphs. */
  TC_PIECEWISE = 'tc_piecewise',
  /** No graph for the phase. */
  DISABLED = 'disabled',
}

/**
 * What {@link resolveEngineMemory} needs to know about one SGLang server. Optional values stand for
 * flags the user did not give; SGLang's own default applies then.
 */
export interface EngineMemoryInput {
  /** `memory.total` of one of the server's GPUs, MiB, as nvidia-smi reports it (`M`). */
  readonly gpuMemoryMiB: number;
  /** Server mode (`--disaggregation-mode`). */
  readonly mode: DisaggregationMode;
  /** `--tp-size`: positive integer. */
  readonly tpSize: number;
  /**
   * `--pp-size`: positive integer.
   * @default 1
   */
  readonly ppSize?: number;
  /**
   * `--dp-size`: positive integer. Enters the reserve only with DP attention.
   * @default 1
   */
  readonly dpSize?: number;
  /**
   * `--enable-dp-attention`. `dpSize` must then divide `tpSize`.
   * @default false
   */
  readonly enableDpAttention?: boolean;
  /**
   * `--chunked-prefill-size` (`C`); zero or negative turns chunked prefill off.
   * @default - by GPU memory: 2048, 4096, 8192 or 16384
   */
  readonly chunkedPrefillSize?: number;
  /**
   * Largest decode CUDA-graph batch (`B`): `--cuda-graph-max-bs-decode`, or its deprecated alias
   * `--cuda-graph-max-bs`. Positive integer.
   * @default - by GPU memory and TP: 8 to 512
   */
  readonly cudaGraphMaxBs?: number;
  /**
   * `--max-running-requests`: positive integer. On a decode server it sets the activation term.
   * @default - the decode graph's largest batch `B`
   */
  readonly maxRunningRequests?: number;
  /**
   * `--max-prefill-tokens`: positive integer. Sets the activation term when chunked prefill is
   * off.
   * @default 16384
   */
  readonly maxPrefillTokens?: number;
  /**
   * `--speculative-num-draft-tokens`: positive integer. Multiplies a decode server's running
   * requests in the activation term.
   * @default 1 (no speculative decoding)
   */
  readonly speculativeNumDraftTokens?: number;
  /**
   * `--disable-cuda-graph` (deprecated in v0.5.15, still accepted): switches off the graphs of
   * both phases, decode and prefill.
   * @default false
   */
  readonly disableCudaGraph?: boolean;
  /**
   * `--disable-decode-cuda-graph`: no decode CUDA graph.
   * @default false
   */
  readonly disableDecodeCudaGraph?: boolean;
  /**
   * `--disable-prefill-cuda-graph` (or the deprecated `--disable-piecewise-cuda-graph`): no
   * prefill CUDA graph.
   * @default false
   */
  readonly disablePrefillCudaGraph?: boolean;
  /**
   * `--cuda-graph-backend-decode`. Wins over the disable flags. A PD prefill server keeps a
   * decode graph the user asks for, but SGLang does not count it in the reserve.
   * @default - captured unless switched off by a flag or by the prefill role
   */
  readonly decodeCudaGraphBackend?: CudaGraphBackend;
  /**
   * `--cuda-graph-backend-prefill`. Wins over the disable flags. A PD decode server keeps a
   * prefill graph the user asks for, but SGLang does not count it in the reserve.
   * @default - captured unless switched off by a flag or by the decode role
   */
  readonly prefillCudaGraphBackend?: CudaGraphBackend;
  /**
   * `--mem-fraction-static` given by the user: it wins over the computed default. In (0, 1].
   * @default - computed
   */
  readonly memFractionStatic?: number;
}

/**
 * The memory plan of one SGLang server: what the engine chooses, and why.
 */
export interface EngineMemory {
  /** GPU memory the plan was made from, MiB (`M`). */
  readonly gpuMemoryMiB: number;
  /** Server mode. */
  readonly mode: DisaggregationMode;
  /** Chunked prefill size in effect (`C`): the user's value or the GPU-memory default. */
  readonly chunkedPrefillSize: number;
  /** False when `C` is zero or negative (chunked prefill off). */
  readonly chunkedPrefillEnabled: boolean;
  /** Largest decode CUDA-graph batch (`B`): the user's value or the GPU-memory default. */
  readonly cudaGraphMaxBs: number;
  /** True when the server captures a decode CUDA graph. */
  readonly decodeCudaGraphCaptured: boolean;
  /** True when the server captures a prefill CUDA graph. */
  readonly prefillCudaGraphCaptured: boolean;
  /** Token sizes the prefill graph captures (every size of the capture list up to `C`); 0 without a prefill graph. */
  readonly prefillCaptureSizeCount: number;
  /** Tokens the activation reserve is sized for (`A`). */
  readonly activationTokens: number;
  /** Constant part of the reserve: 512 MiB. */
  readonly baseReserveMiB: number;
  /** Activation part of the reserve, MiB: 1.5 × `A`. */
  readonly activationReserveMiB: number;
  /** Parallelism part of the reserve, MiB: TP × PP / 8 × 1024. */
  readonly parallelReserveMiB: number;
  /** CUDA-graph part of the reserve (`G`), MiB, DP-attention padding included. */
  readonly graphReserveMiB: number;
  /** Sum of the four parts, MiB, before the large-GPU floor. */
  readonly reserveBeforeFloorMiB: number;
  /** Reserve `R`, MiB: the sum, raised to 10 GiB on GPUs of more than 60 GiB. */
  readonly reserveMiB: number;
  /** True when the 10 GiB floor raised the reserve. */
  readonly reserveFloorApplied: boolean;
  /** The fraction SGLang computes: `round((M − R) / M, 3)`. */
  readonly defaultMemFractionStatic: number;
  /** `--mem-fraction-static` in effect: the user's value, else {@link EngineMemory.defaultMemFractionStatic}. */
  readonly memFractionStatic: number;
  /** True when the user gave `--mem-fraction-static`. */
  readonly memFractionStaticFromUser: boolean;
}

/**
 * The default `--mem-fraction-static` of one SGLang v0.5.18 server and every size it is derived
 * from, following FACTS §3 steps 1 to 6:
 *
 * 1. Buckets by `M` (MiB) give `C` and `B` unless the user set them: below 20 GiB 2048 / 8; below
 *    35 GiB 2048 / 24 (TP < 4) or 80; below 60 GiB 4096 / 32 or 160; below 160 GiB 8192 / 256 or
 *    512; else 16384 / 512. FACTS writes the fourth bucket "< 90 GiB and < 160 GiB": read here as
 *    two adjacent buckets, [60, 90) and [90, 160) GiB, that choose the same values (as the
 *    v0.5.18 source does), so H20 (97871 MiB) and H200 (143771 MiB) get 8192 / 256 or 512, not
 *    the 16384 / 512 of the last bucket.
 * 2. A prefill server captures no decode graph and a decode server no prefill graph, unless the
 *    user selects that phase's backend; a non-PD server captures both. The disable flags switch
 *    graphs off.
 * 3. `A` = `max((maxRunningRequests or B) × draft tokens, 2048)` on a decode server (the product is
 *    taken before the maximum, as the v0.5.18 source does; FACTS' wording leaves the order open),
 *    else `max(C, 2048)`, or `max(maxPrefillTokens, 2048)` when chunked prefill is off.
 * 4. `R` = 512 + 1.5 × `A` + TP × PP / 8 × 1024 + `G`. `G` counts `2 × B` when the server's own
 *    decode graph is on (not on a prefill server), `8 ×` the prefill capture sizes up to `C`
 *    when its own prefill graph is on (not on a decode server), and with DP attention
 *    `3 × B × DP` (+ `1.5 × B × DP` when `B` > 300) on decode and non-PD servers. FACTS does not
 *    say where the DP-attention term applies; the v0.5.18 source leaves it out on prefill servers
 *    and keeps it whether or not the decode graph is captured, and so does this function.
 * 5. On a GPU of more than 60 GiB (`M` > 61440), `R` = `max(R, 10240)`.
 * 6. Fraction = `(M − R) / M` rounded to 3 decimals the way Python's `round()` does (exact value
 *    of the double, ties to even).
 *
 * A `memFractionStatic` from the user wins; the other figures are computed all the same (SGLang
 * still chooses `C` and `B`).
 *
 * @throws RangeError when an input is out of range (see {@link EngineMemoryInput}).
 */
export function resolveEngineMemory(input: EngineMemoryInput): EngineMemory {
  const m = input.gpuMemoryMiB;
  positive('gpuMemoryMiB', m);
  const mode = input.mode;
  if (!Object.values(DisaggregationMode).includes(mode)) {
    throw new RangeError(`mode must be a DisaggregationMode, got ${String(mode)}`);
  }
  const tp = positiveInteger('tpSize', input.tpSize);
  const pp = positiveInteger('ppSize', input.ppSize ?? 1);
  const dp = positiveInteger('dpSize', input.dpSize ?? 1);
  const dpAttention = input.enableDpAttention === true;
  if (dpAttention && tp % dp !== 0) {
    throw new RangeError(`with enableDpAttention, dpSize (${dp}) must divide tpSize (${tp})`);
  }
  if (input.chunkedPrefillSize !== undefined) integer('chunkedPrefillSize', input.chunkedPrefillSize);
  if (input.cudaGraphMaxBs !== undefined) positiveInteger('cudaGraphMaxBs', input.cudaGraphMaxBs);
  if (input.maxRunningRequests !== undefined) positiveInteger('maxRunningRequests', input.maxRunningRequests);
  const maxPrefillTokens = positiveInteger('maxPrefillTokens', input.maxPrefillTokens ?? DEFAULT_MAX_PREFILL_TOKENS);
  const draftTokens = positiveInteger('speculativeNumDraftTokens', input.speculativeNumDraftTokens ?? 1);
  if (input.memFractionStatic !== undefined) fraction('memFractionStatic', input.memFractionStatic);
  for (const key of ['decodeCudaGraphBackend', 'prefillCudaGraphBackend'] as const) {
    const v = input[key];
    if (v !== undefined && !Object.values(CudaGraphBackend).includes(v)) {
      throw new RangeError(`${key} must be a CudaGraphBackend, got ${String(v)}`);
    }
  }

  // Step 1: sizes by GPU memory.
  const defaults = memoryBucket(m, tp);
  const chunk = input.chunkedPrefillSize ?? defaults.chunkedPrefillSize;
  const maxBs = input.cudaGraphMaxBs ?? defaults.cudaGraphMaxBs;
  const chunkedPrefillEnabled = chunk > 0;

  // Step 2: which graphs the server captures.
  const disableAll = input.disableCudaGraph === true;
  const decodeCaptured = graphCaptured(input.decodeCudaGraphBackend, disableAll || input.disableDecodeCudaGraph === true, mode === DisaggregationMode.PREFILL);
  const prefillCaptured = graphCaptured(input.prefillCudaGraphBackend, disableAll || input.disablePrefillCudaGraph === true, mode === DisaggregationMode.DECODE);
  const captureSizeCount = prefillCaptured ? prefillCudaGraphCaptureSizes(chunk).length : 0;

  // Step 3: activation tokens.
  let activationTokens: number;
  if (mode === DisaggregationMode.DECODE) {
    activationTokens = Math.max((input.maxRunningRequests ?? maxBs) * draftTokens, 2048);
  } else if (chunkedPrefillEnabled) {
    activationTokens = Math.max(chunk, 2048);
  } else {
    activationTokens = Math.max(maxPrefillTokens, 2048);
  }

  // Step 4: reserve, graph part counted only for the server's own phases.
  let graph = 0;
  if (mode !== DisaggregationMode.PREFILL && decodeCaptured) graph += 2 * maxBs;
  if (mode !== DisaggregationMode.PREFILL && dpAttention) {
    graph += 3 * maxBs * dp;
    if (maxBs > 300) graph += 1.5 * maxBs * dp;
  }
  if (mode !== DisaggregationMode.DECODE && prefillCaptured) graph += 8 * captureSizeCount;
  const base = 512;
  const activation = 1.5 * activationTokens;
  const parallel = (tp * pp) / 8 * 1024;
  const sum = base + activation + parallel + graph;

  // Step 5: floor on large GPUs.
  const floorApplies = m > 60 * 1024 && sum < LARGE_GPU_RESERVE_FLOOR_MIB;
  const reserve = floorApplies ? LARGE_GPU_RESERVE_FLOOR_MIB : sum;

  // Step 6: the fraction.
  const computed = roundHalfEven((m - reserve) / m, 3);
  const fromUser = input.memFractionStatic !== undefined;
  return {
    gpuMemoryMiB: m,
    mode,
    chunkedPrefillSize: chunk,
    chunkedPrefillEnabled,
    cudaGraphMaxBs: maxBs,
    decodeCudaGraphCaptured: decodeCaptured,
    prefillCudaGraphCaptured: prefillCaptured,
    prefillCaptureSizeCount: captureSizeCount,
    activationTokens,
    baseReserveMiB: base,
    activationReserveMiB: activation,
    parallelReserveMiB: parallel,
    graphReserveMiB: graph,
    reserveBeforeFloorMiB: sum,
    reserveMiB: reserve,
    reserveFloorApplied: floorApplies,
    defaultMemFractionStatic: computed,
    memFractionStatic: input.memFractionStatic ?? computed,
    memFractionStaticFromUser: fromUser,
  };
}

/**
 * The token sizes SGLang v0.5.18 captures a prefill CUDA graph for when its largest prefill graph
 * is `maxTokens` (by default the chunked prefill size): every size up to `maxTokens` from 4 … 32
 * (step 4), 48 … 256 (step 16), 288 … 512 (step 32), 576 … 1024 (step 64), 1280 … 4096 (step
 * 256), 4608 … (step 512). Empty when `maxTokens` < 4 (chunked prefill off).
 */
export function prefillCudaGraphCaptureSizes(maxTokens: number): number[] {
  const sizes: number[] = [];
  const runs: Array<[number, number, number]> = [
    [4, 32, 4], [48, 256, 16], [288, 512, 32], [576, 1024, 64], [1280, 4096, 256], [4608, Infinity, 512],
  ];
  for (const [from, to, step] of runs) {
    for (let s = from; s <= to && s <= maxTokens; s += step) sizes.push(s);
  }
  return sizes;
}


/**
 * SGLang v0.5.18's defaults of `C` and `B` for a GPU of `m` MiB (step 1).
 * @internal
 */
export function memoryBucket(m: number, tp: number): { readonly chunkedPrefillSize: number; readonly cudaGraphMaxBs: number } {
  const small = tp < 4;
  if (m < 20 * 1024) return { chunkedPrefillSize: 2048, cudaGraphMaxBs: 8 };
  if (m < 35 * 1024) return { chunkedPrefillSize: 2048, cudaGraphMaxBs: small ? 24 : 80 };
  if (m < 60 * 1024) return { chunkedPrefillSize: 4096, cudaGraphMaxBs: small ? 32 : 160 };
  // [60, 90) and [90, 160) GiB are two buckets in SGLang with the same values.
  if (m < 160 * 1024) return { chunkedPrefillSize: 8192, cudaGraphMaxBs: small ? 256 : 512 };
  return { chunkedPrefillSize: 16384, cudaGraphMaxBs: 512 };
}

/**
 * Rounds `x` to `digits` decimals like Python's `round(x, digits)`: from the exact value of the
 * double, ties to even. `toFixed` already rounds the exact value but sends ties up. A double is a
 * tie at `d` decimals only when it is an odd multiple of 1 / 2^(d+1) (at 3 decimals: 0.0625,
 * 0.1875, …, 0.9375), since a decimal ending in 5 at place d + 1 is otherwise not a double.
 * @internal
 */
export function roundHalfEven(x: number, digits: number): number {
  const abs = Math.abs(x);
  const halves = abs * 2 ** (digits + 1); // exact: scaling by a power of two
  if (Number.isInteger(halves) && halves % 2 === 1) {
    const down = Math.floor(abs * 10 ** digits); // exact for the magnitudes used here
    const even = down % 2 === 0 ? down : down + 1;
    return (Math.sign(x) * even) / 10 ** digits;
  }
  return Number(x.toFixed(digits));
}

/** Whether a phase's CUDA graph is captured. */
function graphCaptured(backend: CudaGraphBackend | undefined, disabledByFlag: boolean, offByRole: boolean): boolean {
  if (backend !== undefined) return backend !== CudaGraphBackend.DISABLED;
  if (disabledByFlag) return false;
  return !offByRole;
}
