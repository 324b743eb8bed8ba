import { Size } from 'cdk8s';
import { sizeBytes } from '../util/quantity';

/**
 * Options of a custom GPU profile.
 */
export interface CustomGpuOptions {
  /** Name shown in reports, e.g. `RTX 6000 Ada`. */
  readonly name: string;
  /** Memory of one GPU. */
  readonly memory: Size;
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
}

/**
 * The GPU that prefill and decode pods run on: memory per GPU and GPUs per node. Used to
 * check at synth time that the model fits and to compute the capacity report.
 *
 * Presets use the card's nominal memory in GiB and 8 GPUs per node (4 for A10); change the node
 * size with `withGpusPerNode(n)`.
 */
export class GpuProfile {
  /** NVIDIA L20, 48 GB (the ACK tutorial's `ecs.ebmgn8is.32xlarge`: 8 per node). */
  public static readonly L20 = new GpuProfile('L20 48GB', Size.gibibytes(48), 8, 'nvidia.com/gpu');
  /** NVIDIA A10, 24 GB. */
  public static readonly A10 = new GpuProfile('A10 24GB', Size.gibibytes(24), 4, 'nvidia.com/gpu');
  /** NVIDIA A100, 40 GB. */
  public static readonly A100_40GB = new GpuProfile('A100 40GB', Size.gibibytes(40), 8, 'nvidia.com/gpu');
  /** NVIDIA A100, 80 GB. */
  public static readonly A100_80GB = new GpuProfile('A100 80GB', Size.gibibytes(80), 8, 'nvidia.com/gpu');
  /** NVIDIA H20, 96 GB. */
  public static readonly H20 = new GpuProfile('H20 96GB', Size.gibibytes(96), 8, 'nvidia.com/gpu');
  /** NVIDIA H100, 80 GB. */
  public static readonly H100 = new GpuProfile('H100 80GB', Size.gibibytes(80), 8, 'nvidia.com/gpu');
  /** NVIDIA H200, 141 GB. */
  public static readonly H200 = new GpuProfile('H200 141GB', Size.gibibytes(141), 8, 'nvidia.com/gpu');

  /** Every preset. */
  public static readonly PRESETS: readonly GpuProfile[] = [
    GpuProfile.L20, GpuProfile.A10, GpuProfile.A100_40GB, GpuProfile.A100_80GB, GpuProfile.H20, GpuProfile.H100, GpuProfile.H200,
  ];

  /** A GPU that has no preset. */
  public static custom(options: CustomGpuOptions): GpuProfile {
    return new GpuProfile(options.name, options.memory, options.gpusPerNode ?? 8, options.resourceName ?? 'nvidia.com/gpu');
  }

  private constructor(
    /** Name shown in reports. */
    public readonly name: string,
    /** Memory of one GPU. */
    public readonly memory: Size,
    /** GPUs per node. */
    public readonly gpusPerNode: number,
    /** Extended resource name. */
    public readonly resourceName: string,
  ) {}

  /** The same GPU in nodes with `count` GPUs each. */
  public withGpusPerNode(count: number): GpuProfile {
    return new GpuProfile(this.name, this.memory, count, this.resourceName);
  }

  /** Memory of one GPU in bytes (NaN when the size is invalid). */
  public get memoryBytes(): number {
    return sizeBytes(this.memory);
  }
}
