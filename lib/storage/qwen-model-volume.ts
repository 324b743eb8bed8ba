import { Size } from 'cdk8s';
import { Construct } from 'constructs';
import { QwenModel } from '../model/qwen-model';
import { normalMountPath } from '../util/paths';
import { Findings } from '../validation/findings';
import { addRules } from '../validation/register';
import { registerAppRules } from '../validation/app-rules';
import { modelRules, volumeRules } from '../validation/volume-rules';
import { ModelSource } from './model-source';
import { ownedProps } from '../util/copy';

/**
 * Props of a QwenModelVolume.
 */
export interface QwenModelVolumeProps {
  /** The model stored on the volume. */
  readonly model: QwenModel;
  /** Where the weights live. */
  readonly source: ModelSource;
  /**
   * Name of the PersistentVolumeClaim (and of the static PersistentVolume for OSS sources, which
   * is cluster-scoped: two apps in different namespaces need different claim names).
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
   * Where serving containers mount the model (read-only); also the `--model-path`. Written in
   * normal form (`/models//x/` becomes `/models/x`).
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
export class QwenModelVolume extends Construct {
  /** The model on this volume. */
  public readonly model: QwenModel;
  /** The source of the weights. */
  public readonly source: ModelSource;
  /** Claim that serving pods mount. */
  public readonly claimName: string;
  /** Declared capacity. */
  public readonly capacity: Size;
  /** Mount path inside serving containers (normal form); the `--model-path` of SGLang. */
  public readonly mountPath: string;

  /**
   * Defines the model's storage: for an OSS source the static PersistentVolume, its claim and
   * (only with explicit credentials) a Secret; nothing for an existing claim.
   * @param scope parent construct, normally a Chart
   * @param id construct id
   * @param props the model and where its weights live
   */
  constructor(scope: Construct, id: string, props: QwenModelVolumeProps) {
    super(scope, id);
    const p: QwenModelVolumeProps = ownedProps(props);
    this.model = p.model;
    this.source = p.source;
    const source = p.source instanceof ModelSource ? p.source : undefined;
    this.claimName = source?.existingClaimName ?? p.claimName ?? 'llm-model';
    this.capacity = p.capacity ?? Size.gibibytes(30);
    const name = this.model instanceof QwenModel ? this.model.name : undefined;
    const given = p.mountPath ?? `/models/${name}`;
    this.mountPath = normalMountPath(given) ?? given;
    addRules(this, () => {
      const findings = volumeRules({ model: this.model, source: this.source, claimName: this.claimName, capacity: this.capacity, mountPath: given });
      if (this.source instanceof ModelSource && this.source.emitsSecret) {
        const f = new Findings();
        f.warn('source.credentials', '<redacted>', `the AccessKey is written in plain text to the Secret "${this.source.secretName}" in the manifests; prefer an existing Secret (secretName) or RRSA (rrsaRoleName), and keep the output out of version control`);
        findings.push(...f.list);
      }
      return findings;
    });
    registerAppRules(this);
    source?._bind(this, { claimName: this.claimName, capacity: this.capacity, model: this.model });
  }

  /** True when the model is a QwenModel whose facts pass their rules. */
  public get hasValidModel(): boolean {
    if (!(this.model instanceof QwenModel)) return false;
    const f = new Findings();
    modelRules(f, this.model);
    return f.list.length === 0;
  }
}

