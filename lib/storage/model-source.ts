import { Chart, JsonPatch } from 'cdk8s';
import { k8s } from '../rbg/k8s';
import { Construct } from 'constructs';
import { QwenModel } from '../model/qwen-model';
import { formatQuantity } from '../util/quantity';
import { addRules } from '../validation/register';
import { fluidRules } from '../validation/fluid-rules';
import { FluidSourceOptions, bindFluid } from './fluid-source';
import { ownedProps } from '../util/copy';

/**
 * ossfs release used by the CSI driver to mount an OSS bucket.
 */
export enum OssfsVersion {
  /** ossfs 1.0 (the default of the ACK tutorial). */
  V1 = 'ossfs1',
  /** ossfs 2.0 (`fuseType: ossfs2`): faster sequential reads; its own mount options. */
  V2 = 'ossfs2',
}

/**
 * AccessKey credentials to put in a Secret. They end up in `dist/` in plain text.
 */
export interface OssCredentials {
  /** AccessKey ID (stored under key `akId`). */
  readonly accessKeyId: string;
  /** AccessKey secret (stored under key `akSecret`). */
  readonly accessKeySecret: string;
}

/**
 * Options of an OSS model source.
 */
export interface OssSourceOptions {
  /** Bucket name. */
  readonly bucket: string;
  /** OSS endpoint, e.g. `oss-cn-hangzhou-internal.aliyuncs.com`. */
  readonly endpoint: string;
  /**
   * Directory inside the bucket, e.g. `/Qwen3-32B/`.
   * @default '/'
   */
  readonly path?: string;
  /**
   * Existing Secret with keys `akId` and `akSecret`, used by the CSI driver to mount the bucket.
   * Also the name of the Secret emitted when `credentials` is set.
   * @default 'oss-secret' (unless `rrsaRoleName` is set)
   */
  readonly secretName?: string;
  /**
   * AccessKey credentials. When set, a Secret holding them is emitted into the manifests, so
   * they are written to `dist/` in plain text. Prefer an existing Secret or RRSA.
   * @default - no Secret is emitted; `secretName` must already exist in the cluster
   */
  readonly credentials?: OssCredentials;
  /**
   * Authenticate with RRSA (RAM Roles for Service Accounts) as this RAM role instead of AccessKeys.
   * @default - AccessKey authentication through `secretName`
   */
  readonly rrsaRoleName?: string;
  /**
   * ossfs release.
   * @default OssfsVersion.V1
   */
  readonly ossfsVersion?: OssfsVersion;
  /**
   * Mount options passed as `otherOpts`, each without the leading `-o`.
   * @default ['umask=022', 'max_stat_cache_size=0', 'allow_other'] for ossfs 1.0; none for ossfs 2.0
   */
  readonly mountOptions?: string[];
}

/** Weights in bytes of the volume's model, when it is a QwenModel with sane weights. */
function fluidWeights(model: unknown): number | undefined {
  if (!(model instanceof QwenModel)) return undefined;
  const w = model.weightsBytes;
  return Number.isFinite(w) && w > 0 ? w : undefined;
}

/** ossfs 1.0 options that ossfs 2.0 rejects. */
export const OSSFS1_ONLY_OPTIONS = ['max_stat_cache_size', 'umask', 'dbglevel', 'passwd_file', 'use_cache', 'kernel_cache'];

/**
 * What a model source emits into a volume construct.
 * @internal
 */
export interface VolumeBinding {
  readonly claimName: string;
  readonly capacity: unknown;
  /** The model on the volume (a QwenModel when valid), for sources sized from its weights. */
  readonly model?: unknown;
}

/**
 * Where model weights come from: `ModelSource.oss(...)`, `ModelSource.fluid(...)` or
 * `ModelSource.pvc(...)`.
 */
export class ModelSource {
  /** A static OSS volume mounted through the Alibaba Cloud CSI plugin (as in the ACK tutorial). */
  public static oss(options: OssSourceOptions): ModelSource {
    return new ModelSource(Object.freeze(ownedProps(options)), undefined, undefined);
  }

  /**
   * The OSS location behind a Fluid distributed cache: a Fluid `Dataset` over the bucket
   * directory, a `JindoRuntime` whose memory or disk tier is sized from the model's weights, and
   * (by default) a `DataLoad` that warms the cache. Serving pods mount the claim Fluid creates,
   * named after the Dataset, which is named after the volume's `claimName`. Needs Fluid (ACK:
   * ack-fluid) in the cluster.
   */
  public static fluid(options: FluidSourceOptions): ModelSource {
    const o = ownedProps(options);
    return new ModelSource(undefined, undefined, Object.freeze(o));
  }

  /** An existing PersistentVolumeClaim that already holds the model. Nothing else is emitted. */
  public static pvc(claimName: string): ModelSource {
    return new ModelSource(undefined, claimName, undefined);
  }

  private constructor(
    /** OSS options (a frozen copy), for `oss(...)` sources. */
    public readonly ossOptions: OssSourceOptions | undefined,
    /** The existing claim, for `pvc(...)` sources. */
    public readonly existingClaimName: string | undefined,
    /** Fluid options (a frozen copy), for `fluid(...)` sources. */
    public readonly fluidOptions: FluidSourceOptions | undefined,
  ) {}

  /** The ossfs release in use. */
  public get ossfsVersion(): OssfsVersion {
    return this.ossOptions?.ossfsVersion ?? OssfsVersion.V1;
  }

  /** Mount options in effect. */
  public get mountOptions(): string[] {
    const o = this.ossOptions;
    if (o === undefined) return [];
    if (o.mountOptions !== undefined) return Array.isArray(o.mountOptions) ? [...o.mountOptions] : [];
    return this.ossfsVersion === OssfsVersion.V1 ? ['umask=022', 'max_stat_cache_size=0', 'allow_other'] : [];
  }

  /** Secret the CSI driver reads AccessKeys from, if AccessKey authentication is used. */
  public get secretName(): string | undefined {
    const o = this.ossOptions;
    if (o === undefined || o.rrsaRoleName !== undefined) return undefined;
    return o.secretName ?? 'oss-secret';
  }

  /** True when this source writes a Secret with explicit credentials into the manifests. */
  public get emitsSecret(): boolean {
    return this.ossOptions?.credentials !== undefined && this.secretName !== undefined;
  }

  /** @internal Emits what the source needs into `volume`: for OSS the PV, its claim and maybe a Secret. */
  public _bind(volume: Construct, binding: VolumeBinding): void {
    const fluid = this.fluidOptions;
    if (fluid !== undefined) {
      const rules = () => fluidRules(fluid, binding.claimName, binding.model);
      addRules(volume, rules);
      // The objects are built from valid options only; bad ones fail the synth with the rules' errors.
      const weights = rules().filter((x) => x.severity === 'error').length === 0 ? fluidWeights(binding.model) : undefined;
      if (weights !== undefined) bindFluid(volume, binding.claimName, Chart.of(volume).namespace, fluid, weights);
      return;
    }
    const o = this.ossOptions;
    if (o === undefined) return;
    const name = binding.claimName;
    const secretName = this.secretName;
    if (o.credentials !== undefined && secretName !== undefined) {
      new k8s.KubeSecret(volume, 'Secret', {
        metadata: { name: secretName },
        type: 'Opaque',
        stringData: { akId: o.credentials.accessKeyId, akSecret: o.credentials.accessKeySecret },
      });
    }
    const attributes: Record<string, string> = { bucket: o.bucket, url: o.endpoint, path: o.path ?? '/' };
    const opts = this.mountOptions;
    if (opts.length > 0) attributes.otherOpts = opts.map((x) => `-o ${x}`).join(' ');
    if (this.ossfsVersion === OssfsVersion.V2) attributes.fuseType = 'ossfs2';
    if (o.rrsaRoleName !== undefined) {
      attributes.authType = 'rrsa';
      attributes.roleName = o.rrsaRoleName;
    }
    const capacity = k8s.Quantity.fromString(formatQuantity(binding.capacity));
    const namespace = Chart.of(volume).namespace;
    const pv = new k8s.KubePersistentVolume(volume, 'PersistentVolume', {
      metadata: { name, labels: { 'alicloud-pvname': name } },
      spec: {
        capacity: { storage: capacity },
        accessModes: ['ReadOnlyMany'],
        persistentVolumeReclaimPolicy: 'Retain',
        csi: {
          driver: 'ossplugin.csi.alibabacloud.com',
          volumeHandle: name,
          nodePublishSecretRef: secretName === undefined ? undefined : { name: secretName, namespace: namespace ?? 'default' },
          volumeAttributes: attributes,
        },
      },
    });
    // PersistentVolumes are cluster-scoped: drop the namespace a namespaced chart puts on every object.
    if (namespace !== undefined) pv.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    new k8s.KubePersistentVolumeClaim(volume, 'PersistentVolumeClaim', {
      metadata: { name },
      spec: {
        accessModes: ['ReadOnlyMany'],
        resources: { requests: { storage: capacity } },
        selector: { matchLabels: { 'alicloud-pvname': name } },
        storageClassName: '',
      },
    });
  }
}
