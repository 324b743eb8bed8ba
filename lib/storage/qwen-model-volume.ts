import { Chart, JsonPatch, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IProblemSource, ProblemCollector, ValidationProblem, registerProblemSource } from '../validation/problem';
import { QwenModel } from '../model/qwen-model';
import { formatQuantity, isDnsSubdomain, isWholeKib } from '../util/util';

/**
 * Props of a QwenModelVolume.
 */
export interface QwenModelVolumeProps {
  /** The model stored on the volume. */
  readonly model: QwenModel;
  /** Where the weights live. */
  readonly source: ModelSource;
  /**
   * Name of the PersistentVolumeClaim (and of the static PersistentVolume for OSS sources).
   * Ignored for `ModelSource.pvc(...)`, which names its own claim.
   * @default 'llm-model'
   */
  readonly claimName?: string;
  /**
   * Capacity declared on the static PersistentVolume and its claim. OSS does not enforce it.
   * @default Size.gibibytes(30)
   */
  readonly capacity?: Size;
  /**
   * Where serving containers mount the model (read-only); also the `--model-path`.
   * @default `/models/<model name>`, e.g. `/models/Qwen3-32B`
   */
  readonly mountPath?: string;
}

/**
 * The storage of a model's weights and how serving pods mount it.
 *
 * For an OSS source it emits the static PersistentVolume (CSI driver
 * `ossplugin.csi.alibabacloud.com`) and its PersistentVolumeClaim, and a Secret only when
 * credentials are passed explicitly. Serving roles mount the claim read-only at `mountPath`.
 */
export class QwenModelVolume extends Construct implements IProblemSource {
  /** The model on this volume. */
  public readonly model: QwenModel;
  /** The source of the weights. */
  public readonly source: ModelSource;
  /** Claim that serving pods mount. */
  public readonly claimName: string;
  /** Declared capacity. */
  public readonly capacity: Size;
  /** Mount path inside serving containers; the `--model-path` of SGLang. */
  public readonly mountPath: string;
  /** @internal */
  public readonly problems: ValidationProblem[];

  /** Warnings: the deployment works but something deserves attention (credentials in the manifests). */
  public get warnings(): ValidationProblem[] {
    const secretName = this.source.secretName;
    if (this.source.ossOptions?.credentials === undefined || secretName === undefined) return [];
    return [{
      path: this.node.path,
      field: 'source.credentials',
      value: '<redacted>',
      message: `the AccessKey is written in plain text to the Secret "${secretName}" in the manifests; prefer an existing Secret (secretName) or RRSA (rrsaRoleName), and keep the output out of version control`,
    }];
  }

  /**
   * Defines the model's storage: for an OSS source the static PersistentVolume, its claim and
   * (only with explicit credentials) a Secret; nothing for an existing claim.
   * @param scope parent construct, normally a Chart
   * @param id construct id
   * @param props the model and where its weights live
   */
  constructor(scope: Construct, id: string, props: QwenModelVolumeProps) {
    super(scope, id);
    this.model = props.model;
    this.source = props.source;
    this.claimName = props.source.existingClaimName ?? props.claimName ?? 'llm-model';
    this.capacity = props.capacity ?? Size.gibibytes(30);
    this.mountPath = props.mountPath ?? `/models/${props.model?.name}`;

    const check = new ProblemCollector(this.node.path);
    this.problems = check.problems;
    this.validate(check, props);
    registerProblemSource(this);

    this.source._bind(this);
  }

  private validate(check: ProblemCollector, props: QwenModelVolumeProps): void {
    if (!(props.model instanceof QwenModel)) {
      check.add('model', props.model, 'must be a QwenModel, e.g. QwenModel.QWEN3_32B or QwenModel.custom({...})');
    } else {
      validateModel(check, props.model);
    }
    if (!isDnsSubdomain(this.claimName)) {
      check.add('claimName', this.claimName, 'must be a DNS-1123 subdomain: lowercase a-z, 0-9, "-" and ".", at most 253 characters, starting and ending alphanumeric');
    } else if (props.source.ossOptions !== undefined && this.claimName.length > 63) {
      check.add('claimName', this.claimName, `is ${this.claimName.length} characters; an OSS volume's claim name is also the label alicloud-pvname that binds the claim, and label values are limited to 63`);
    }
    if (!/^\/[^\0]*$/.test(this.mountPath) || this.mountPath.includes('..') || this.mountPath === '/') {
      check.add('mountPath', this.mountPath, 'must be an absolute path below "/" without ".." segments, e.g. "/models/Qwen3-32B"');
    } else if (/^\/dev\/shm(\/|$)/.test(this.mountPath)) {
      check.add('mountPath', this.mountPath, 'is where serving pods mount their shared memory (/dev/shm); choose another path, e.g. "/models/Qwen3-32B"');
    }
    if (!isWholeKib(this.capacity)) {
      check.add('capacity', formatQuantity(this.capacity), 'must be a positive whole number of KiB, at most 1 EiB, e.g. Size.gibibytes(30)');
    }
    this.source._validate(check);
    this.validateUnique(check);
  }

  /** Objects this volume emits must not collide with those of an earlier volume of the app. */
  private validateUnique(check: ProblemCollector): void {
    const o = this.source.ossOptions;
    if (o === undefined) return;
    const namespace = Chart.of(this).namespace;
    const others = this.node.root.node.findAll()
      .filter((c): c is QwenModelVolume => c !== this && c instanceof QwenModelVolume && c.source.ossOptions !== undefined);
    const samePv = others.find((v) => v.claimName === this.claimName);
    if (samePv !== undefined) {
      check.add('claimName', this.claimName, `is also the claim of the OSS volume ${samePv.node.path}; both would write the cluster-wide PersistentVolume "${this.claimName}"`);
    }
    const secret = o.credentials !== undefined ? this.source.secretName : undefined;
    const sameSecret = others.find((v) => v.source.ossOptions?.credentials !== undefined && v.source.secretName === secret && Chart.of(v).namespace === namespace);
    if (secret !== undefined && sameSecret !== undefined) {
      check.add('source.secretName', secret, `is also the Secret that ${sameSecret.node.path} writes with its credentials in the same namespace; give each its own secretName`);
    }
  }
}

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

/** ossfs 1.0 options that ossfs 2.0 rejects. */
const OSSFS1_ONLY_OPTIONS = ['max_stat_cache_size', 'umask', 'dbglevel', 'passwd_file', 'use_cache', 'kernel_cache'];

/**
 * Where model weights come from.
 */
export class ModelSource {
  /** A static OSS volume mounted through the Alibaba Cloud CSI plugin (as in the ACK tutorial). */
  public static oss(options: OssSourceOptions): ModelSource {
    return new ModelSource(options, undefined);
  }

  /** An existing PersistentVolumeClaim that already holds the model. Nothing else is emitted. */
  public static pvc(claimName: string): ModelSource {
    return new ModelSource(undefined, claimName);
  }

  private constructor(
    /** OSS options, for `oss(...)` sources. */
    public readonly ossOptions: OssSourceOptions | undefined,
    /** The existing claim, for `pvc(...)` sources. */
    public readonly existingClaimName: string | undefined,
  ) {}

  /** @internal */
  public _validate(check: ProblemCollector): void {
    const o = this.ossOptions;
    if (o === undefined) {
      if (!isDnsSubdomain(this.existingClaimName ?? '')) {
        check.add('source.claimName', this.existingClaimName, 'must be the name of an existing PersistentVolumeClaim (DNS-1123 subdomain)');
      }
      return;
    }
    if (typeof o.bucket !== 'string' || !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(o.bucket)) {
      check.add('source.bucket', o.bucket, 'must be an OSS bucket name: 3-63 characters of a-z, 0-9 and "-", starting and ending alphanumeric');
    }
    if (typeof o.endpoint !== 'string' || !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(o.endpoint)) {
      check.add('source.endpoint', o.endpoint, 'must be a host name without scheme, e.g. "oss-cn-hangzhou-internal.aliyuncs.com"');
    }
    if (o.path !== undefined && (typeof o.path !== 'string' || !o.path.startsWith('/'))) {
      check.add('source.path', o.path, 'must start with "/", e.g. "/Qwen3-32B/"');
    }
    if (o.rrsaRoleName !== undefined && (o.credentials !== undefined || o.secretName !== undefined)) {
      check.add('source.rrsaRoleName', o.rrsaRoleName, 'RRSA replaces AccessKeys: do not also set secretName or credentials');
    }
    const secretName = this.secretName;
    if (secretName !== undefined && !isDnsSubdomain(secretName)) {
      check.add('source.secretName', secretName, 'must be a DNS-1123 subdomain');
    }
    if (o.credentials !== undefined && (!nonEmpty(o.credentials.accessKeyId) || !nonEmpty(o.credentials.accessKeySecret))) {
      check.add('source.credentials', '<redacted>', 'accessKeyId and accessKeySecret must both be non-empty strings');
    }
    if (o.ossfsVersion !== undefined && !Object.values(OssfsVersion).includes(o.ossfsVersion)) {
      check.add('source.ossfsVersion', o.ossfsVersion, `must be one of ${Object.values(OssfsVersion).join(', ')}`);
    }
    for (const opt of this.mountOptions) {
      if (typeof opt !== 'string' || opt.length === 0 || /\s/.test(opt) || opt.startsWith('-')) {
        check.add('source.mountOptions', opt, 'each option is one "name" or "name=value" without spaces or a leading "-o"');
      } else if (this.ossfsVersion === OssfsVersion.V2 && OSSFS1_ONLY_OPTIONS.includes(opt.split('=')[0])) {
        check.add('source.mountOptions', opt, `is an ossfs 1.0 option that ossfs 2.0 rejects (ossfs 1.0-only: ${OSSFS1_ONLY_OPTIONS.join(', ')})`);
      }
    }
  }

  /** The ossfs release in use. */
  public get ossfsVersion(): OssfsVersion {
    return this.ossOptions?.ossfsVersion ?? OssfsVersion.V1;
  }

  /** Mount options in effect. */
  public get mountOptions(): string[] {
    const o = this.ossOptions;
    if (o === undefined) return [];
    if (o.mountOptions !== undefined) return [...o.mountOptions];
    return this.ossfsVersion === OssfsVersion.V1 ? ['umask=022', 'max_stat_cache_size=0', 'allow_other'] : [];
  }

  /** Secret the CSI driver reads AccessKeys from, if AccessKey authentication is used. */
  public get secretName(): string | undefined {
    const o = this.ossOptions;
    if (o === undefined || o.rrsaRoleName !== undefined) return undefined;
    return o.secretName ?? 'oss-secret';
  }

  /** @internal */
  public _bind(volume: QwenModelVolume): void {
    const o = this.ossOptions;
    if (o === undefined) return;
    const name = volume.claimName;
    const secretName = this.secretName;
    if (o.credentials !== undefined && secretName !== undefined) {
      new k8s.KubeSecret(volume, 'Secret', {
        metadata: { name: secretName },
        type: 'Opaque',
        stringData: { akId: o.credentials.accessKeyId, akSecret: o.credentials.accessKeySecret },
      });
    }
    const attributes: Record<string, string> = {
      bucket: o.bucket,
      url: o.endpoint,
      path: o.path ?? '/',
    };
    const opts = this.mountOptions;
    if (opts.length > 0) attributes.otherOpts = opts.map((x) => `-o ${x}`).join(' ');
    if (this.ossfsVersion === OssfsVersion.V2) attributes.fuseType = 'ossfs2';
    if (o.rrsaRoleName !== undefined) {
      attributes.authType = 'rrsa';
      attributes.roleName = o.rrsaRoleName;
    }
    const capacity = k8s.Quantity.fromString(formatQuantity(volume.capacity));
    const pv = new k8s.KubePersistentVolume(volume, 'PersistentVolume', {
      metadata: { name, labels: { 'alicloud-pvname': name } },
      spec: {
        capacity: { storage: capacity },
        accessModes: ['ReadOnlyMany'],
        persistentVolumeReclaimPolicy: 'Retain',
        csi: {
          driver: 'ossplugin.csi.alibabacloud.com',
          volumeHandle: name,
          nodePublishSecretRef: secretName === undefined ? undefined : { name: secretName, namespace: Chart.of(volume).namespace ?? 'default' },
          volumeAttributes: attributes,
        },
      },
    });
    // PersistentVolumes are cluster-scoped: drop the namespace a namespaced chart puts on every object.
    if (Chart.of(volume).namespace !== undefined) pv.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
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

function nonEmpty(s: unknown): boolean {
  return typeof s === 'string' && s.length > 0;
}

/** The facts of a (custom) model that sizing divides and multiplies by must be sane numbers. */
function validateModel(check: ProblemCollector, m: QwenModel): void {
  if (typeof m.name !== 'string' || m.name.length === 0 || /[\u0000-\u001f\u007f]/.test(m.name)) {
    check.add('model.name', m.name, 'must be a non-empty name without control characters, e.g. "Qwen3-32B"');
  }
  const counts = [['layers', m.layers], ['attentionHeads', m.attentionHeads], ['kvHeads', m.kvHeads], ['headDim', m.headDim]] as const;
  const countsOk = counts.map(([field, v]) => check.integer(`model.${field}`, v, 1, 65536)).every((ok) => ok);
  if (countsOk && m.attentionHeads % m.kvHeads !== 0) {
    check.add('model.kvHeads', m.kvHeads, `must divide the ${m.attentionHeads} attention heads (grouped-query attention)`);
  }
  for (const [field, v, max] of [['paramsBillions', m.paramsBillions, 1e5], ['weightsGigabytes', m.weightsGigabytes, 1e6]] as const) {
    if (!(typeof v === 'number' && v > 0 && v <= max)) check.add(`model.${field}`, v, `must be a positive number up to ${max}`);
  }
  check.integer('model.nativeContextLength', m.nativeContextLength, 1, 16_777_216);
  if (m.moe !== undefined && check.integer('model.moe.experts', m.moe.experts, 1, 65536)) {
    check.integer('model.moe.activeExperts', m.moe.activeExperts, 1, m.moe.experts);
  }
}
