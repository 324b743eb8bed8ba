import { Size } from 'cdk8s';
import { k8s } from '../rbg/k8s';
import { Construct } from 'constructs';
import { RbgTarget } from '../rbg/rbg-target';
import { RoleModel } from '../rbg/role-based-group';
import { FlagRoleKind } from '../sglang/flags';
import { SglangImage } from '../sglang/sglang-image';
import { ownedProps } from '../util/copy';
import { formatQuantity } from '../util/quantity';
import { Finding, Findings } from '../validation/findings';
import { extraArgRules } from '../validation/flag-rules';
import { derivedNameRules, podRules } from '../validation/pod-rules';
import { nodeAffinityRules, tolerationRules } from '../validation/placement-rules';
import { budgetValue, rolloutRules } from '../validation/rollout-rules';
import { addRules } from '../validation/register';
import { podLabels } from './labels';
import { NodeRequirement, PreferredNodeRequirements, Toleration, toKubeNodeAffinity, toKubeTolerations } from './node-placement';
import { AffinityStrength } from './placement';
import { RolloutStrategyOptions } from './rollout';
import { PodParts, podTemplate } from './pod-template';

/** Env vars the library sets on some role; no role may set them itself. */
const RESERVED_ENV: readonly string[] = ['SGLANG_HOST_IP', 'POD_NAMESPACE'];


/**
 * Pod-level settings shared by every kind of role.
 */
export interface SglangPodOptions {
  /**
   * Number of pods (SGLang instances) of this role.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Container image: `SglangImage.v0_5_18(CudaVariant.CU13)`, or any image with
   * `SglangImage.of('registry/name:tag')` (flags are still checked against SGLang v0.5.18).
   * @default SglangImage.DEFAULT (`lmsysorg/sglang:v0.5.18-cu129`, the CUDA 12.9 build, which runs on drivers older than R580)
   */
  readonly image?: SglangImage;
  /**
   * CPU cores requested per pod.
   * @default 4 per GPU for servers, 2 for the router
   */
  readonly cpu?: number;
  /**
   * Memory requested per pod.
   * @default 32 GiB per GPU for servers, 4 GiB for the router
   */
  readonly memory?: Size;
  /**
   * Extra environment variables of the container (name to value). Copied when the role is
   * created; add more with `addEnv`. Values reach the process verbatim (`$(` is escaped).
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * Node labels the pods must match. Copied when the role is created; add more with
   * `addNodeSelector`.
   * @default - none
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Taints the pods tolerate (e.g. `GPU_NODE_TOLERATION` when GPU nodes are tainted). Copied.
   * @default - none
   */
  readonly tolerations?: Toleration[];
  /**
   * Node label requirements the pods must meet, all of them (one node selector term). Copied.
   * @default - none
   */
  readonly requiredNodeAffinity?: NodeRequirement[];
  /**
   * Node label requirements the scheduler prefers, with weights. Copied.
   * @default - none
   */
  readonly preferredNodeAffinity?: PreferredNodeRequirements[];
  /**
   * How the controller rolls the role out on a change (maxUnavailable, maxSurge, partition).
   * Copied.
   * @default - the controller's: one pod (instance) at a time, no surge, no partition
   */
  readonly rolloutStrategy?: RolloutStrategyOptions;
}

/**
 * A pod affinity a group gives its roles (prefill and decode near each other).
 * @internal
 */
export interface PeerAffinity {
  readonly term: k8s.PodAffinityTerm;
  readonly strength: AffinityStrength;
}

/**
 * What every role is given by its group (or by the caller, for a role built on its own).
 */
export interface SglangRoleProps extends SglangPodOptions {
  /** Name of the RoleBasedGroup the role belongs to. */
  readonly groupName: string;
  /**
   * Role name inside the group.
   * @default 'prefill', 'decode' or 'router', after the class
   */
  readonly roleName?: string;
  /**
   * Controller release the manifests are written for.
   * @default RbgTarget.V0_7
   */
  readonly rbg?: RbgTarget;
  /**
   * HTTP port (API, health and metrics), named `http`.
   * @default 8000
   */
  readonly httpPort?: number;
  /**
   * Roles that must be ready before this one is created. Copied; add more with `addDependency`.
   * @default - none
   */
  readonly dependencies?: SglangRole[];
  /**
   * Pod annotations. Copied; add more with `addPodAnnotation`.
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * Service account of the pods.
   * @default - the namespace default
   */
  readonly serviceAccountName?: string;
}

/**
 * One role of a RoleBasedGroup running one SGLang process per pod. Concrete roles are
 * `PrefillRole`, `DecodeRole` and `RouterRole`; a `PdServingGroup` creates all three.
 *
 * Props are copied when the role is created; later changes go through `addEnv`,
 * `addExtraArgs`, `addNodeSelector`, `addPodAnnotation` and `addDependency`, and everything is
 * validated when the app is synthesized.
 */
export abstract class SglangRole extends Construct {
  /** Group name. */
  public readonly groupName: string;
  /** Role name inside the group. */
  public readonly roleName: string;
  /** Controller release. */
  public readonly rbg: RbgTarget;
  /** Pods of this role. */
  public readonly replicas: number;
  /** Container image. */
  public readonly image: SglangImage;
  /** HTTP port. */
  public readonly httpPort: number;
  /** GPUs per pod (0 for the router). */
  public abstract readonly gpusPerPod: number;

  /** @internal */
  protected readonly podProps: SglangRoleProps;
  private readonly env = new Map<unknown, unknown>();
  private readonly extra: unknown;
  private nodeSelector: Record<string, string> | undefined;
  private readonly annotations: Record<string, string>;
  private readonly dependencies: SglangRole[] = [];
  private peerAffinity: PeerAffinity | undefined;
  /** Pod annotations the library relies on: key to [value, why]. */
  private readonly libraryAnnotations = new Map<string, readonly [string, string]>();

  /**
   * @param scope parent construct, normally a PdServingGroup
   * @param id construct id
   * @param props pod-level props (copied)
   * @param defaultRoleName role name when `props.roleName` is not given
   * @param extraArgs the role's free-form arguments (copied)
   */
  protected constructor(scope: Construct, id: string, props: SglangRoleProps, defaultRoleName: string, extraArgs: unknown) {
    super(scope, id);
    const p: SglangRoleProps = ownedProps(props);
    this.podProps = Object.freeze(p);
    this.groupName = p.groupName;
    this.roleName = p.roleName ?? defaultRoleName;
    // An unknown target is reported at synth; names are derived for the default meanwhile.
    this.rbg = RbgTarget.ALL.includes(p.rbg as RbgTarget) ? p.rbg as RbgTarget : RbgTarget.V0_7;
    this.replicas = p.replicas ?? 1;
    this.image = p.image ?? SglangImage.DEFAULT;
    this.httpPort = p.httpPort ?? 8000;
    const env = this.podProps.env;
    if (env !== undefined && env !== null && typeof env === 'object') for (const [k, v] of Object.entries(env)) this.env.set(k, v);
    const selector = this.podProps.nodeSelector;
    this.nodeSelector = selector === undefined ? undefined : { ...selector };
    const annotations = this.podProps.podAnnotations;
    this.annotations = annotations !== undefined && annotations !== null && typeof annotations === 'object' ? { ...annotations } : {};
    this.extra = extraArgs === undefined ? [] : Array.isArray(extraArgs) ? [...extraArgs] : extraArgs;
    for (const d of p.dependencies ?? []) this.addDependency(d);
    addRules(this, () => this.findings());
  }

  /** The role's rollout strategy as given (a frozen copy), if any. */
  public get rolloutStrategy(): RolloutStrategyOptions | undefined {
    return this.podProps.rolloutStrategy;
  }

  /** DNS name of pod `index`, resolvable inside the namespace. */
  public podDnsName(index: number): string {
    return this.rbg.podDnsName(this.groupName, this.roleName, index);
  }

  /** URL of the HTTP server of pod `index`. */
  public podUrl(index: number): string {
    return `http://${this.podDnsName(index)}:${this.httpPort}`;
  }

  /** Labels the controller puts on this role's pods. */
  public get podSelector(): Record<string, string> {
    return this.rbg.podSelector(this.groupName, this.roleName);
  }

  /** Adds an environment variable to the container; checked at synth. */
  public addEnv(name: string, value: string): void {
    this.env.set(name, value);
  }

  /** Adds free-form arguments after the typed ones; checked at synth against the flag catalog. */
  public addExtraArgs(...args: string[]): void {
    if (Array.isArray(this.extra)) this.extra.push(...args);
  }

  /** Adds a node label the pods must match; checked at synth. */
  public addNodeSelector(key: string, value: string): void {
    this.nodeSelector = { ...(this.nodeSelector ?? {}), [key]: value };
  }

  /** Adds an annotation to the pods. */
  public addPodAnnotation(key: string, value: string): void {
    this.annotations[key] = value;
  }

  /**
   * @internal Sets a pod annotation the library relies on (`why` says for what); a different value
   * given later with `addPodAnnotation` is refused at synth.
   */
  public _setLibraryAnnotation(key: string, value: string, why: string): void {
    this.annotations[key] = value;
    this.libraryAnnotations.set(key, [value, why]);
  }

  /** Roles that must be ready before this one is created. */
  public get dependsOn(): SglangRole[] {
    return [...this.dependencies];
  }

  /** Adds a role that must be ready before this one is created; adding one twice has no effect. */
  public addDependency(role: SglangRole): void {
    if (!this.dependencies.includes(role)) this.dependencies.push(role);
  }

  /** The free-form arguments, as they stand. */
  public get extraArgs(): string[] {
    return Array.isArray(this.extra) ? [...this.extra as string[]] : [];
  }

  /** Command-line arguments of the SGLang process (after `python3 -m <module>`), typed ones only. */
  public abstract get args(): string[];

  /**
   * @internal Sets the pod affinity the group gives this role (replacing an earlier one).
   */
  public _setPeerAffinity(affinity: PeerAffinity | undefined): void {
    this.peerAffinity = affinity;
  }

  /** @internal */
  public _toRoleModel(): RoleModel {
    const rollout = rolloutRules(this.podProps.rolloutStrategy, this.replicas, this.rbg).valid;
    return {
      name: this.roleName,
      replicas: this.replicas,
      dependencies: this.dependencies.map((d) => d.roleName),
      template: podTemplate(this.podParts()),
      rolloutStrategy: rollout === undefined ? undefined : {
        maxUnavailable: rollout.maxUnavailable === undefined ? undefined : budgetValue(rollout.maxUnavailable),
        maxSurge: rollout.maxSurge === undefined ? undefined : budgetValue(rollout.maxSurge),
        partition: rollout.partition === undefined ? undefined : budgetValue(rollout.partition),
      },
    };
  }

  /** @internal Which flag catalog and role rules `extraArgs` are checked against. */
  protected abstract get flagRole(): FlagRoleKind;

  /** @internal The parts of the pod that differ by role kind. */
  protected abstract podParts(): PodParts;


  /** @internal This role's findings; subclasses add their own. */
  protected findings(): Finding[] {
    return [
      ...podRules({
        groupName: this.groupName,
        roleName: this.roleName,
        rbg: this.podProps.rbg ?? RbgTarget.V0_7,
        replicas: this.replicas,
        image: this.image,
        httpPort: this.httpPort,
        cpu: this.podProps.cpu,
        memory: this.podProps.memory,
        env: [...this.env.entries()],
        reservedEnv: RESERVED_ENV,
        nodeSelector: this.nodeSelector,
        annotations: this.annotations,
        extraArgs: this.extra,
      }),
      ...derivedNameRules(this.groupName, this.roleName, this.rbg, this.replicas),
      ...tolerationRules(this.podProps.tolerations),
      ...nodeAffinityRules(this.podProps.requiredNodeAffinity, this.podProps.preferredNodeAffinity),
      ...rolloutRules(this.podProps.rolloutStrategy, this.replicas, this.rbg).findings,
      ...extraArgRules(this.flagRole, this.extra),
      ...this.libraryAnnotationFindings(),
    ];
  }

  private libraryAnnotationFindings(): Finding[] {
    const f = new Findings();
    for (const [key, [value, why]] of this.libraryAnnotations) {
      if (this.annotations[key] !== value) f.error('podAnnotations', key, `is set by the library: ${why}; choose another key`);
    }
    return f.list;
  }

  /** @internal Pod parts every role kind shares. */
  protected commonParts(): Pick<PodParts, 'labels' | 'annotations' | 'image' | 'extraArgs' | 'userEnv' | 'serviceAccountName' | 'nodeSelector' | 'tolerations' | 'affinity'> {
    return {
      tolerations: this.tolerations(),
      affinity: this.affinity(),
      labels: podLabels(this.groupName, this.roleName),
      annotations: this.annotations,
      image: this.image.reference,
      extraArgs: this.extraArgs,
      userEnv: new Map([...this.env.entries()].map(([k, v]) => [String(k), String(v)])),
      serviceAccountName: this.podProps.serviceAccountName,
      nodeSelector: this.nodeSelector,
    };
  }

  /** Tolerations as written; none while they are invalid (reported at synth). */
  private tolerations(): k8s.Toleration[] | undefined {
    const t = this.podProps.tolerations;
    if (t === undefined || t.length === 0 || tolerationRules(t).length > 0) return undefined;
    return toKubeTolerations(t);
  }

  /** Node affinity from the props and the group's pod affinity; none while the props are invalid. */
  private affinity(): k8s.Affinity | undefined {
    const { requiredNodeAffinity: req, preferredNodeAffinity: pref } = this.podProps;
    const node = nodeAffinityRules(req, pref).length > 0 ? undefined : toKubeNodeAffinity(req ?? [], pref ?? []);
    const peer = this.peerAffinity;
    const pod: k8s.PodAffinity | undefined = peer === undefined || peer.strength === AffinityStrength.NONE ? undefined
      : peer.strength === AffinityStrength.REQUIRED ? { requiredDuringSchedulingIgnoredDuringExecution: [peer.term] }
        : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: peer.term }] };
    if (node === undefined && pod === undefined) return undefined;
    return { nodeAffinity: node, podAffinity: pod };
  }

  /** @internal CPU and memory requests. */
  protected requests(defaultCpu: number, defaultMemory: Size): Record<string, k8s.Quantity> {
    return {
      cpu: k8s.Quantity.fromString(String(this.podProps.cpu ?? defaultCpu)),
      memory: k8s.Quantity.fromString(formatQuantity(this.podProps.memory ?? defaultMemory)),
    };
  }
}
