import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IProblemSource, ProblemCollector, ValidationProblem, registerProblemSource } from './errors';
import { createRoleBasedGroup } from './internal/rbg-adapter';
import { isDnsLabel } from './internal/util';
import { QwenModelVolume } from './qwen-model-volume';
import { RbgTarget } from './rbg-target';
import { RdmaProfile } from './rdma-profile';
import {
  RouterDiscovery, RouterPolicy, SglangPodOptions, SglangRole, SglangRoleKind, SglangServerOptions,
} from './sglang-role';

/**
 * Options of the prefill or the decode role of a PdServingGroup.
 */
export interface PdServerRoleOptions extends SglangPodOptions, SglangServerOptions {}

/**
 * Options of the router role of a PdServingGroup.
 */
export interface PdRouterOptions extends SglangPodOptions {
  /**
   * How the router finds its workers.
   * @default RouterDiscovery.STATIC
   */
  readonly discovery?: RouterDiscovery;
  /**
   * Load-balancing policy (`--policy`).
   * @default - the router's default (cache_aware)
   */
  readonly policy?: RouterPolicy;
  /**
   * Prometheus metrics port of the router.
   * @default 29000
   */
  readonly metricsPort?: number;
  /**
   * Further `sglang_router.launch_router` arguments, full flag names.
   * @default - none
   */
  readonly extraArgs?: string[];
}

/**
 * Props of a PdServingGroup.
 */
export interface PdServingGroupProps {
  /** Name of the RoleBasedGroup and of the client Service, a DNS-1123 label, e.g. `sglang-pd`. */
  readonly name: string;
  /** The model and its volume. */
  readonly model: QwenModelVolume;
  /**
   * The prefill role.
   * @default - 1 replica, TP=1
   */
  readonly prefill?: PdServerRoleOptions;
  /**
   * The decode role.
   * @default - 1 replica, TP=1
   */
  readonly decode?: PdServerRoleOptions;
  /**
   * The router role.
   * @default - 1 replica, static discovery
   */
  readonly router?: PdRouterOptions;
  /**
   * RDMA network of prefill and decode pods, which carries the KV cache.
   * @default RdmaProfile.erdma()
   */
  readonly rdma?: RdmaProfile;
  /**
   * Controller release the manifests are written for.
   * @default RbgTarget.V0_7
   */
  readonly rbg?: RbgTarget;
  /**
   * Image of every role, unless a role sets its own.
   * @default 'lmsysorg/sglang:v0.5.18'
   */
  readonly image?: string;
  /**
   * HTTP port of every role (API, health, metrics) and of the client Service.
   * @default 8000
   */
  readonly httpPort?: number;
  /**
   * Bootstrap port of prefill servers.
   * @default 34000
   */
  readonly bootstrapPort?: number;
}

/**
 * A complete prefill/decode disaggregated SGLang service: one RoleBasedGroup with prefill,
 * decode and router roles, plus the ClusterIP Service `<name>` in front of the router.
 *
 * The router role depends on prefill and decode, so it starts once they are ready, and its
 * wiring (worker URLs or discovery selectors) is derived from the topology and the targeted
 * controller release.
 */
export class PdServingGroup extends Construct implements IProblemSource {
  /** Group name. */
  public readonly name: string;
  /** Controller release. */
  public readonly rbg: RbgTarget;
  /** The model volume. */
  public readonly model: QwenModelVolume;
  /** RDMA profile of prefill and decode. */
  public readonly rdma: RdmaProfile;
  /** The prefill role. */
  public readonly prefill: SglangRole;
  /** The decode role. */
  public readonly decode: SglangRole;
  /** The router role. */
  public readonly router: SglangRole;
  /** Router discovery mode. */
  public readonly discovery: RouterDiscovery;
  /** The RoleBasedGroup API object. */
  public readonly resource: ApiObject;
  /** The client Service in front of the router. */
  public readonly service: k8s.KubeService;
  /** @internal */
  public readonly problems: ValidationProblem[];

  constructor(scope: Construct, id: string, props: PdServingGroupProps) {
    super(scope, id);
    this.name = props.name;
    this.rbg = props.rbg ?? RbgTarget.V0_7;
    this.model = props.model;
    this.rdma = props.rdma ?? RdmaProfile.erdma();
    const routerOptions = props.router ?? {};
    this.discovery = routerOptions.discovery ?? RouterDiscovery.STATIC;

    const common = {
      groupName: this.name,
      rbg: this.rbg,
      image: props.image,
      httpPort: props.httpPort,
    };
    const bootstrapPort = props.bootstrapPort ?? 34000;
    this.prefill = new SglangRole(this, 'prefill', {
      ...common,
      ...props.prefill,
      kind: SglangRoleKind.PREFILL,
      model: this.model,
      rdma: this.rdma,
      bootstrapPort,
      // Kubernetes discovery reads each prefill pod's bootstrap port from this annotation.
      podAnnotations: this.discovery === RouterDiscovery.KUBERNETES
        ? { [BOOTSTRAP_PORT_ANNOTATION]: String(bootstrapPort) }
        : undefined,
    });
    this.decode = new SglangRole(this, 'decode', {
      ...common, ...props.decode, kind: SglangRoleKind.DECODE, model: this.model, rdma: this.rdma,
    });

    const check = new ProblemCollector(this.node.path);
    this.problems = check.problems;
    if (!isDnsLabel(this.name)) {
      check.add('name', this.name, 'must be a DNS-1123 label: at most 63 characters of lowercase a-z, 0-9 and "-", starting and ending alphanumeric');
    }
    if (!(this.model instanceof QwenModelVolume)) {
      check.add('model', this.model, 'must be a QwenModelVolume');
    }
    registerProblemSource(this);

    let serviceAccountName: string | undefined;
    if (this.discovery === RouterDiscovery.KUBERNETES) {
      serviceAccountName = `${this.name}-router`;
      this.createRouterRbac(serviceAccountName);
    }
    this.router = new SglangRole(this, 'router', {
      ...common,
      ...routerOptions,
      kind: SglangRoleKind.ROUTER,
      serviceAccountName,
      dependencies: [this.prefill, this.decode],
      routing: {
        discovery: this.discovery,
        prefill: this.prefill,
        decode: this.decode,
        policy: routerOptions.policy,
        metricsPort: routerOptions.metricsPort,
      },
    });

    const roles = [this.prefill, this.decode, this.router];
    this.resource = createRoleBasedGroup(this, this.rbg, {
      name: this.name,
      labels: { 'app.kubernetes.io/name': 'sglang', 'app.kubernetes.io/instance': this.name, 'app.kubernetes.io/managed-by': 'cdk8s-sglang-pd' },
      annotations: { [RBG_TARGET_ANNOTATION]: this.rbg?.release ?? 'unknown' },
    }, () => roles.map((r) => r._toRoleModel()));

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, labels: { 'app.kubernetes.io/name': 'sglang', 'app.kubernetes.io/instance': this.name } },
      spec: {
        type: 'ClusterIP',
        selector: this.router.podSelector,
        ports: [{ name: 'http', port: this.router.httpPort, targetPort: k8s.IntOrString.fromNumber(this.router.httpPort), protocol: 'TCP' }],
      },
    });
  }

  /** All roles: prefill, decode, router. */
  public get roles(): SglangRole[] {
    return [this.prefill, this.decode, this.router];
  }

  /** In-cluster URL of the client Service. */
  public get url(): string {
    return `http://${this.name}:${this.router.httpPort}`;
  }

  private createRouterRbac(name: string): void {
    const labels = { 'app.kubernetes.io/name': 'sglang', 'app.kubernetes.io/instance': this.name };
    new k8s.KubeServiceAccount(this, 'RouterServiceAccount', { metadata: { name, labels } });
    new k8s.KubeRole(this, 'RouterRole', {
      metadata: { name, labels },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    });
    new k8s.KubeRoleBinding(this, 'RouterRoleBinding', {
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name }],
    });
  }
}

/** Annotation the router's Kubernetes discovery reads the prefill bootstrap port from. */
export const BOOTSTRAP_PORT_ANNOTATION = 'sglang.ai/bootstrap-port';

/** Annotation on the RoleBasedGroup naming the controller release it was written for. */
export const RBG_TARGET_ANNOTATION = 'cdk8s-sglang-pd/rbg-target';
