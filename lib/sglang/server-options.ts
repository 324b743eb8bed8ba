/**
 * SGLang server flags a PD deployment sets, as typed props. Anything else goes in `extraArgs`.
 */
export interface SglangServerOptions {
  /**
   * `--tp-size`: GPUs one model replica is sharded over.
   * @default 1
   */
  readonly tensorParallelSize?: number;
  /**
   * `--dp-size`: data-parallel replicas inside one pod. GPUs per pod = TP x DP.
   * @default 1
   */
  readonly dataParallelSize?: number;
  /**
   * `--enable-dp-attention`: the DP ranks share the TP GPUs (attention is data-parallel inside
   * the TP group), so a pod needs TP GPUs instead of TP x DP. DP must divide TP.
   * @default false
   */
  readonly enableDpAttention?: boolean;
  /**
   * `--ep-size`: expert-parallel size (MoE models).
   * @default - not set (SGLang default 1)
   */
  readonly expertParallelSize?: number;
  /**
   * `--mem-fraction-static`: share of GPU memory for weights and KV cache, in (0, 1).
   * @default - SGLang picks it from the GPU size
   */
  readonly memFractionStatic?: number;
  /**
   * `--context-length`: maximum tokens of one request (prompt + output).
   * @default - the model's native context
   */
  readonly contextLength?: number;
  /**
   * `--chunked-prefill-size`: tokens per prefill chunk.
   * @default - SGLang default
   */
  readonly chunkedPrefillSize?: number;
  /**
   * `--max-running-requests`.
   * @default - SGLang default
   */
  readonly maxRunningRequests?: number;
  /**
   * `--max-total-tokens`: caps the KV pool of one server at this many tokens (the capacity report
   * uses the smaller of this cap and what the memory holds).
   * @default - no cap: the pool takes the memory left after the weights
   */
  readonly maxTotalTokens?: number;
  /**
   * `--page-size`: tokens per KV page. Prefill and decode must agree.
   * @default - SGLang default (1)
   */
  readonly pageSize?: number;
  /**
   * `--kv-cache-dtype`. Prefill and decode must agree.
   * @default - SGLang default (auto: the model dtype)
   */
  readonly kvCacheDtype?: KvCacheDtype;
  /**
   * `--disaggregation-transfer-backend`.
   * @default TransferBackend.MOONCAKE with RDMA, TransferBackend.MOONCAKE_TCP with RdmaProfile.none()
   */
  readonly transferBackend?: TransferBackend;
  /**
   * `--disaggregation-ib-device`: RDMA NIC(s), e.g. `erdma_0` or `mlx5_0,mlx5_1`.
   * @default - the RDMA profile's device, else SGLang picks one
   */
  readonly ibDevice?: string;
  /**
   * `--reasoning-parser`, e.g. `qwen3`.
   * @default - not set
   */
  readonly reasoningParser?: string;
  /**
   * `--tool-call-parser`, e.g. `qwen25`.
   * @default - not set
   */
  readonly toolCallParser?: string;
  /**
   * `--enable-metrics`: Prometheus metrics on the HTTP port at `/metrics`.
   * @default true
   */
  readonly enableMetrics?: boolean;
  /**
   * `--trust-remote-code`.
   * @default false
   */
  readonly trustRemoteCode?: boolean;
  /**
   * `--json-model-override-args`, e.g. a YaRN `rope_scaling` for 131k context. Copied when the
   * role is created; must be plain JSON (no BigInt, NaN, Infinity or cycles).
   * @default - none
   */
  readonly modelOverrideArgs?: Record<string, unknown>;
  /**
   * `--served-model-name`: the `model` name clients send.
   * @default - the model path
   */
  readonly servedModelName?: string;
  /**
   * Further `sglang.launch_server` arguments, full flag names, e.g. `['--log-level', 'debug']`.
   * Copied when the role is created; add more later with `addExtraArgs`. Checked against the
   * SGLang v0.5.18 flag catalog; written so the process receives them verbatim (`$(` is escaped).
   * @default - none
   */
  readonly extraArgs?: string[];
}

/**
 * Values of `--kv-cache-dtype`.
 */
export enum KvCacheDtype {
  /** The model's dtype. */
  AUTO = 'auto',
  /** FP8 E5M2. */
  FP8_E5M2 = 'fp8_e5m2',
  /** FP8 E4M3. */
  FP8_E4M3 = 'fp8_e4m3',
  /** bfloat16. */
  BF16 = 'bf16',
}

/**
 * Values of `--disaggregation-transfer-backend`.
 */
export enum TransferBackend {
  /** Mooncake over RDMA (SGLang's default). */
  MOONCAKE = 'mooncake',
  /** NVIDIA NIXL. */
  NIXL = 'nixl',
  /** Mooncake over TCP: no RDMA needed, much slower. */
  MOONCAKE_TCP = 'mooncake_tcp',
  /** Huawei Ascend. */
  ASCEND = 'ascend',
  /** AMD MORI. */
  MORI = 'mori',
}

/** Transfer backends that move the KV cache over RDMA. */
export const RDMA_BACKENDS: readonly string[] = [TransferBackend.MOONCAKE, TransferBackend.NIXL, TransferBackend.MORI];
