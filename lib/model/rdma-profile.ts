/**
 * Options of a custom RDMA profile.
 */
export interface CustomRdmaOptions {
  /**
   * How many units of the device-plugin resource each prefill/decode container requests.
   * @default 1
   */
  readonly count?: number;
  /**
   * RDMA NIC names for `--disaggregation-ib-device`, e.g. `mlx5_0,mlx5_1`.
   * @default - SGLang picks the device
   */
  readonly ibDevice?: string;
}

/**
 * How prefill and decode pods reach the RDMA network that carries the KV cache.
 *
 * An RDMA profile adds the device-plugin resource to every prefill and decode container, grants
 * `IPC_LOCK` (needed to pin memory for RDMA) and sets `SGLANG_HOST_IP` from the pod IP.
 * `RdmaProfile.none()` uses no RDMA: KV moves over TCP (`mooncake_tcp`), which is much slower.
 */
export class RdmaProfile {
  /** Alibaba Cloud eRDMA through ack-eRDMA-controller: resource `aliyun/erdma`. */
  public static erdma(options: CustomRdmaOptions = {}): RdmaProfile {
    return new RdmaProfile('aliyun/erdma', options.count ?? 1, options.ibDevice);
  }

  /** An RDMA shared device plugin exposing `rdma/hca` (Mellanox/NVIDIA ConnectX). */
  public static rdmaHca(options: CustomRdmaOptions = {}): RdmaProfile {
    return new RdmaProfile('rdma/hca', options.count ?? 1, options.ibDevice);
  }

  /** Any other device-plugin resource, e.g. `rdma/ib`, `rdma/roce_gdr`, `vpc.amazonaws.com/efa`. */
  public static custom(resourceName: string, options: CustomRdmaOptions = {}): RdmaProfile {
    return new RdmaProfile(resourceName, options.count ?? 1, options.ibDevice);
  }

  /** No RDMA: the KV cache moves over TCP. Degraded; for functional tests only. */
  public static none(): RdmaProfile {
    return new RdmaProfile(undefined, 0, undefined);
  }

  private constructor(
    /** Device-plugin resource name, undefined for `none()`. */
    public readonly resourceName: string | undefined,
    /** Units of the resource per container. */
    public readonly count: number,
    /** Value for `--disaggregation-ib-device`, if any. */
    public readonly ibDevice: string | undefined,
  ) {}

  /** True when this profile provides RDMA. */
  public get enabled(): boolean {
    return this.resourceName !== undefined;
  }
}
