/**
 * The container image the SGLang servers and the router run, as a typed choice: an engine release
 * plus its CUDA build, or any image reference.
 *
 * @module
 */

/** The SGLang release whose flags and memory defaults this library describes. */
const ENGINE_VERSION = '0.5.18';

/** Docker Hub repository of the official SGLang images. */
const REPOSITORY = 'lmsysorg/sglang';

/**
 * The CUDA build of an official SGLang image. The build decides which NVIDIA driver the GPU node
 * needs: a container whose CUDA is newer than the node's driver does not start.
 */
export enum CudaVariant {
  /**
   * The CUDA 13 build, tag `v0.5.18` (the tag without suffix). Needs an NVIDIA driver of the
   * R580 branch or newer on the node (CUDA 13.x runs on no older driver).
   */
  CU13 = 'cu13',
  /**
   * The CUDA 12.9 build, tag `v0.5.18-cu129`, for nodes whose driver predates R580. CUDA 12.x
   * runs on drivers from R525 on (NVIDIA's minor-version compatibility); NVIDIA's CUDA 12.9 base
   * images, which the SGLang images build on, also make the container runtime refuse drivers
   * below R535, so take R535 or newer (R535, R550, R560, R565, R570, or any driver for CUDA
   * 12.9 or later).
   */
  CU129 = 'cu129',
}

/** Oldest NVIDIA driver branch each CUDA build runs on. */
const MIN_DRIVER: Readonly<Record<CudaVariant, number>> = {
  [CudaVariant.CU13]: 580,
  [CudaVariant.CU129]: 535,
};

/** Tag suffix of each CUDA build. */
const TAG_SUFFIX: Readonly<Record<CudaVariant, string>> = {
  [CudaVariant.CU13]: '',
  [CudaVariant.CU129]: '-cu129',
};

/**
 * The image of the SGLang containers.
 *
 * - `SglangImage.v0_5_18(CudaVariant.CU129)`: an official build of SGLang v0.5.18, with what its
 *   CUDA build needs from the node.
 * - `SglangImage.of('registry.example.com/team/sglang:patched')`: any image. The library still
 *   checks flags against SGLang v0.5.18 and sizes memory the way v0.5.18 does
 *   ({@link SglangImage.flagsCheckedAgainst}); for another engine version that may be wrong.
 *
 * Recommended default for the ACK tutorial's nodes (`ecs.ebmgn8is.32xlarge`, L20): the CUDA 12.9
 * build, {@link SglangImage.DEFAULT}. ACK installs the GPU driver per cluster version and node
 * pool and recommends the R550 branch; a node below R580 cannot start the CUDA 13 build, the
 * `v0.5.18` tag, so the pods would fail at container start. The CUDA 12.9 build runs on those
 * nodes and on R580+ nodes alike. Pick `CudaVariant.CU13` when every GPU node has an R580+
 * driver.
 */
export class SglangImage {
  /** SGLang version the library's flag catalog and memory model describe: `0.5.18`. */
  public static readonly ENGINE_VERSION: string = ENGINE_VERSION;

  /**
   * An official build of SGLang v0.5.18.
   * @param cudaVariant CUDA build; the CUDA 12.9 build runs on more drivers (see {@link CudaVariant}).
   */
  public static v0_5_18(cudaVariant: CudaVariant = CudaVariant.CU129): SglangImage {
    // An unknown variant (from JavaScript) is reported when the app is synthesized.
    const suffix = TAG_SUFFIX[cudaVariant] ?? `-${String(cudaVariant)}`;
    return new SglangImage(`${REPOSITORY}:v${ENGINE_VERSION}${suffix}`, ENGINE_VERSION, cudaVariant);
  }

  /**
   * Any image reference (`[registry/]repository[:tag][@digest]`). The two official v0.5.18
   * references (with or without a `docker.io/` prefix) are recognised and carry their engine
   * version and CUDA build; any other image has neither, and flags are still checked against
   * SGLang v0.5.18. A malformed reference is reported when the app is synthesized.
   */
  public static of(reference: string): SglangImage {
    if (typeof reference !== 'string') return new SglangImage(reference, undefined, undefined);
    const bare = reference.startsWith('docker.io/') ? reference.slice('docker.io/'.length) : reference;
    for (const variant of Object.values(CudaVariant)) {
      if (bare === `${REPOSITORY}:v${ENGINE_VERSION}${TAG_SUFFIX[variant]}`) {
        return new SglangImage(reference, ENGINE_VERSION, variant);
      }
    }
    return new SglangImage(reference, undefined, undefined);
  }

  /**
   * The recommended default: SGLang v0.5.18, CUDA 12.9 build (`lmsysorg/sglang:v0.5.18-cu129`),
   * because it starts on nodes with drivers below R580, as ACK's GPU nodes commonly have.
   */
  public static readonly DEFAULT: SglangImage = SglangImage.v0_5_18(CudaVariant.CU129);

  /** The image reference written into the pod spec, e.g. `lmsysorg/sglang:v0.5.18-cu129`. */
  public readonly reference: string;
  /**
   * SGLang version of an official build, e.g. `0.5.18`.
   * @default - undefined for an image the library does not know
   */
  public readonly engineVersion?: string;
  /**
   * CUDA build of an official image.
   * @default - undefined for an image the library does not know
   */
  public readonly cudaVariant?: CudaVariant;
  /**
   * Oldest NVIDIA driver branch the node needs (580 for the CUDA 13 build, 535 for CUDA 12.9).
   * @default - undefined for an image the library does not know
   */
  public readonly minDriverMajor?: number;
  /** SGLang version whose flags and memory defaults the library applies to this image: always `0.5.18`. */
  public readonly flagsCheckedAgainst: string = ENGINE_VERSION;

  private constructor(reference: string, engineVersion: string | undefined, cudaVariant: CudaVariant | undefined) {
    this.reference = reference;
    this.engineVersion = engineVersion;
    this.cudaVariant = cudaVariant;
    this.minDriverMajor = cudaVariant === undefined ? undefined : MIN_DRIVER[cudaVariant];
  }

  /** True for an official build the library knows (engine version and CUDA build known). */
  public get isKnownBuild(): boolean {
    return this.engineVersion !== undefined;
  }

  /** The image reference. */
  public toString(): string {
    return this.reference;
  }
}
