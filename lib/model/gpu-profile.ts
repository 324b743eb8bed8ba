import { Size } from 'cdk8s';
import { kibibytes } from '../util/quantity';
import { ownedProps } from '../util/copy';

/**
 * Options of a custom GPU profile. Give the memory the driver reports (`reportedMemoryMiB`, as
 * `nvidia-smi --query-gpu=memory.total` prints it) or the card's `memory`; the reported figure is
 * what SGLang sizes itself from, so prefer it.
 */
export interface CustomGpuOptions {
  /** Name shown in reports, e.g. `RTX 6000 Ada`. */
  readonly name: string;
  /**
   * Memory of one GPU, as marketed.
   * @default - `reportedMemoryMiB`
   */
  readonly memory?: Size;
  /**
   * Memory of one GPU as the driver reports it (nvidia-smi `memory.total`), in MiB.
   * @default - `memory`, taken as reported
   */
  readonly reportedMemoryMiB?: number;
  /**
   * GPUs in one node.
   * @default 8
   */
  readonly gpusPerNode?: number;
  /**
   * Extended resource name of the GPU.
   * @default 'nvidia.com/gpu'
   */
  readonly resourceName?: string;
  /**
   * GPU memory already held when SGLang measures the free memory before loading the weights
   * (CUDA context, communication buffers). An assumption, not a measurement: see `preloadOverhead`.
   * @default Size.gibibytes(1)
   */
  readonly preloadOverhead?: Size;
}

const MIB = 1024 * 1024;

/**
 * The GPU that prefill and decode pods run on: memory per GPU and GPUs per node. Used to check at
 * synth time that the model fits and to compute the capacity report.
 *
 * Presets carry the memory the driver reports (nvidia-smi `memory.total`, which is what SGLang v0.5.18
 * sizes itself from) beside the marketing size, and 8 GPUs per node (4 for A10); change the node
 * size with `withGpusPerNode(n)` and the assumed pre-load overhead with `withPreloadOverhead(size)`.
 */
export class GpuProfile {
  /** NVIDIA L20, 48 GB; the driver reports 46068 MiB (the ACK tutorial's `ecs.ebmgn8is.32xlarge`: 8 per node). */
  public static readonly L20 = new GpuProfile('L20 48GB', Size.gibibytes(48), 46068, 8);
  /** NVIDIA A10, 24 GB; the driver reports 23028 MiB. */
  public static readonly A10 = new GpuProfile('A10 24GB', Size.gibibytes(24), 23028, 4);
  /** NVIDIA A100 SXM, 40 GB; the driver reports 40960 MiB. */
  public static readonly A100_40GB = new GpuProfile('A100 40GB', Size.gibibytes(40), 40960, 8);
  /** NVIDIA A100, 80 GB; the driver reports 81920 MiB. */
  public static readonly A100_80GB = new GpuProfile('A100 80GB', Size.gibibytes(80), 81920, 8);
  /** NVIDIA H20, 96 GB; the driver reports 97871 MiB. */
  public static readonly H20 = new GpuProfile('H20 96GB', Size.gibibytes(96), 97871, 8);
  /** NVIDIA H100 80GB HBM3; the driver reports 81559 MiB. */
  public static readonly H100 = new GpuProfile('H100 80GB', Size.gibibytes(80), 81559, 8);
  /** NVIDIA H200, 141 GB; the driver reports 143771 MiB. */
  public static readonly H200 = new GpuProfile('H200 141GB', Size.gibibytes(141), 143771, 8);

  /** Every preset. */
  public static readonly PRESETS: readonly GpuProfile[] = [
    GpuProfile.L20, GpuProfile.A10, GpuProfile.A100_40GB, GpuProfile.A100_80GB, GpuProfile.H20, GpuProfile.H100, GpuProfile.H200,
  ];

  /** A GPU that has no preset. */
  public static custom(options: CustomGpuOptions): GpuProfile {
    const o = ownedProps(options);
    const reported = o.reportedMemoryMiB ?? kibibytes(o.memory) / 1024;
    const memory = o.memory ?? (typeof reported === 'number' && Number.isFinite(reported) ? Size.mebibytes(reported) : o.memory);
    return new GpuProfile(o.name, memory as Size, reported, o.gpusPerNode ?? 8, o.resourceName, o.preloadOverhead);
  }

  private constructor(
    /** Name shown in reports. */
    public readonly name: string,
    /** Memory of one GPU, as marketed. */
    public readonly memory: Size,
    /** Memory of one GPU as the driver reports it (nvidia-smi `memory.total`), in MiB. */
    public readonly reportedMemoryMiB: number,
    /** GPUs per node. */
    public readonly gpusPerNode: number,
    /** Extended resource name. */
    public readonly resourceName: string = 'nvidia.com/gpu',
    /**
     * Memory held before SGLang loads the weights (CUDA context and communication buffers),
     * which the KV pool estimate subtracts. About 1 GiB on these GPUs: an assumption, override it
     * with `withPreloadOverhead()` when you have measured it.
     */
    public readonly preloadOverhead: Size = Size.gibibytes(1),
  ) {}

  /** The same GPU in nodes with `count` GPUs each. */
  public withGpusPerNode(count: number): GpuProfile {
    return new GpuProfile(this.name, this.memory, this.reportedMemoryMiB, count, this.resourceName, this.preloadOverhead);
  }

  /** The same GPU with another pre-load overhead (`Size.mebibytes(0)` for the upper bound). */
  public withPreloadOverhead(overhead: Size): GpuProfile {
    return new GpuProfile(this.name, this.memory, this.reportedMemoryMiB, this.gpusPerNode, this.resourceName, overhead);
  }

  /** Memory of one GPU in bytes, as the driver reports it (NaN when invalid). */
  public get memoryBytes(): number {
    return this.reportedMemoryMiB * MIB;
  }

  /** The pre-load overhead in MiB (NaN when invalid). */
  public get preloadOverheadMiB(): number {
    return kibibytes(this.preloadOverhead) / 1024;
  }
}
