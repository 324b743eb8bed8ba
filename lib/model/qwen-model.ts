/**
 * Mixture-of-experts shape of a model.
 */
export interface MoeShape {
  /** Number of routed experts per MoE layer. */
  readonly experts: number;
  /** Experts activated per token. */
  readonly activeExperts: number;
}

/**
 * Architecture facts of a model that sizing and validation depend on.
 */
export interface QwenModelSpec {
  /** Model name, also the default directory name under `/models`, e.g. `Qwen3-32B`. */
  readonly name: string;
  /** Transformer layers. */
  readonly layers: number;
  /** Query attention heads. Tensor-parallel size must divide this. */
  readonly attentionHeads: number;
  /** Key/value heads (grouped-query attention). */
  readonly kvHeads: number;
  /**
   * Dimension of one attention head.
   * @default 128
   */
  readonly headDim?: number;
  /** Parameters, in billions. */
  readonly paramsBillions: number;
  /** Size of the bf16 weights, in decimal gigabytes (1 GB = 10^9 bytes). */
  readonly weightsGigabytes: number;
  /**
   * Context length the model supports without RoPE scaling.
   * @default 40960
   */
  readonly nativeContextLength?: number;
  /**
   * Set for mixture-of-experts models.
   * @default - dense model
   */
  readonly moe?: MoeShape;
}

/**
 * A model of the Qwen3 family (or a custom one with the same kind of facts).
 *
 * Use the catalog constants (`QwenModel.QWEN3_32B`, ...) or `QwenModel.custom(...)`.
 */
export class QwenModel {
  /** Qwen3-0.6B, dense. */
  public static readonly QWEN3_0_6B = new QwenModel({ name: 'Qwen3-0.6B', layers: 28, attentionHeads: 16, kvHeads: 8, paramsBillions: 0.6, weightsGigabytes: 1.2 });
  /** Qwen3-8B, dense. */
  public static readonly QWEN3_8B = new QwenModel({ name: 'Qwen3-8B', layers: 36, attentionHeads: 32, kvHeads: 8, paramsBillions: 8.19, weightsGigabytes: 16.4 });
  /** Qwen3-14B, dense. */
  public static readonly QWEN3_14B = new QwenModel({ name: 'Qwen3-14B', layers: 40, attentionHeads: 40, kvHeads: 8, paramsBillions: 14.77, weightsGigabytes: 29.5 });
  /** Qwen3-32B, dense: the model of the ACK tutorial. */
  public static readonly QWEN3_32B = new QwenModel({ name: 'Qwen3-32B', layers: 64, attentionHeads: 64, kvHeads: 8, paramsBillions: 32.76, weightsGigabytes: 65.5 });
  /** Qwen3-30B-A3B, mixture of experts (128 experts, top-8). */
  public static readonly QWEN3_30B_A3B = new QwenModel({ name: 'Qwen3-30B-A3B', layers: 48, attentionHeads: 32, kvHeads: 4, paramsBillions: 30.53, weightsGigabytes: 61.1, moe: { experts: 128, activeExperts: 8 } });
  /** Qwen3-235B-A22B, mixture of experts (128 experts, top-8). */
  public static readonly QWEN3_235B_A22B = new QwenModel({ name: 'Qwen3-235B-A22B', layers: 94, attentionHeads: 64, kvHeads: 4, paramsBillions: 235.1, weightsGigabytes: 470.2, moe: { experts: 128, activeExperts: 8 } });

  /** Every model of the built-in catalog. */
  public static readonly CATALOG: readonly QwenModel[] = [
    QwenModel.QWEN3_0_6B, QwenModel.QWEN3_8B, QwenModel.QWEN3_14B,
    QwenModel.QWEN3_32B, QwenModel.QWEN3_30B_A3B, QwenModel.QWEN3_235B_A22B,
  ];

  /** A model that is not in the catalog. */
  public static custom(spec: QwenModelSpec): QwenModel {
    return new QwenModel(spec);
  }

  /** Model name, e.g. `Qwen3-32B`. */
  public readonly name: string;
  /** Transformer layers. */
  public readonly layers: number;
  /** Query attention heads. */
  public readonly attentionHeads: number;
  /** Key/value heads. */
  public readonly kvHeads: number;
  /** Dimension of one attention head. */
  public readonly headDim: number;
  /** Parameters, in billions. */
  public readonly paramsBillions: number;
  /** bf16 weights, in decimal gigabytes. */
  public readonly weightsGigabytes: number;
  /** Native context length. */
  public readonly nativeContextLength: number;
  /** MoE shape, undefined for dense models. */
  public readonly moe?: MoeShape;

  private constructor(spec: QwenModelSpec) {
    this.name = spec.name;
    this.layers = spec.layers;
    this.attentionHeads = spec.attentionHeads;
    this.kvHeads = spec.kvHeads;
    this.headDim = spec.headDim ?? 128;
    this.paramsBillions = spec.paramsBillions;
    this.weightsGigabytes = spec.weightsGigabytes;
    this.nativeContextLength = spec.nativeContextLength ?? 40960;
    this.moe = spec.moe;
  }

  /** Size of the weights in bytes. */
  public get weightsBytes(): number {
    return Math.round(this.weightsGigabytes * 1e9);
  }

  /**
   * KV cache bytes one token takes on one GPU at tensor-parallel size `tp`:
   * 2 x layers x max(1, kvHeads / tp) x headDim x bytes per element.
   * @param tp tensor-parallel size
   * @param bytesPerElement 2 for bf16, 1 for fp8
   */
  public kvBytesPerTokenPerGpu(tp: number, bytesPerElement: number = 2): number {
    return 2 * this.layers * Math.max(1, Math.floor(this.kvHeads / tp)) * this.headDim * bytesPerElement;
  }
}
