import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IProblemSource, ProblemCollector, ValidationProblem, registerProblemSource, showValue } from '../validation/problem';
import { GpuProfile } from '../model/gpu-profile';
import { createRoleBasedGroup } from '../rbg/role-based-group';
import { definedOnly, isDnsLabel } from '../util/util';
import { QwenModelVolume } from '../storage/qwen-model-volume';
import { RbgTarget } from '../rbg/rbg-target';
import { RdmaProfile } from '../model/rdma-profile';
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
   * SGLang options applied to both prefill and decode; a role's own options override them.
   * The natural place for what both sides must agree on (page size, KV dtype, context length,
   * model overrides, transfer backend).
   * @default - none
   */
  readonly engine?: SglangServerOptions;
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
   * GPU of the prefill and decode nodes (memory per GPU, GPUs per node).
   * @default GpuProfile.L20 (8 x 48 GB per node, as in the ACK tutorial)
   */
  readonly gpu?: GpuProfile;
  /**
   * GPUs available to this group, to check that the topology fits.
   * @default - not checked
   */
  readonly cluster?: ClusterCapacity;
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
 * GPUs available to one group. Give nodes (of the group's GPU profile) or a GPU count.
 */
export interface ClusterCapacity {
  /**
   * GPU nodes available; pods are packed onto them (a pod never spans nodes).
   * @default - derived from `gpus`
   */
  readonly nodes?: number;
  /**
   * GPUs available in total.
   * @default - nodes x GPUs per node
   */
  readonly gpus?: number;
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
  /** GPU of prefill and decode pods. */
  public readonly gpu: GpuProfile;
  /** Declared cluster capacity, if any. */
  public readonly cluster?: ClusterCapacity;
  /** The RoleBasedGroup API object. */
  public readonly resource: ApiObject;
  /** The client Service in front of the router. */
  public readonly service: k8s.KubeService;
  private readonly ownProblems: ValidationProblem[];

  /**
   * Defines the group: its three roles, the RoleBasedGroup and the client Service (plus the
   * router's ServiceAccount, Role and RoleBinding with Kubernetes discovery). Bad props fail the
   * synth with a SglangPdValidationError listing every problem of the app.
   * @param scope parent construct, normally a Chart
   * @param id construct id
   * @param props the model, the topology and the hardware
   */
  constructor(scope: Construct, id: string, props: PdServingGroupProps) {
    super(scope, id);
    this.name = props.name;
    // An unknown target is reported below; the constructs are built for the default meanwhile.
    const requestedRbg = props.rbg ?? RbgTarget.V0_7;
    this.rbg = RbgTarget.ALL.includes(requestedRbg) ? requestedRbg : RbgTarget.V0_7;
    this.model = props.model;
    this.rdma = props.rdma ?? RdmaProfile.erdma();
    this.gpu = props.gpu ?? GpuProfile.L20;
    this.cluster = props.cluster;
    // Keys set to undefined mean "not set": they must not override the engine or group values.
    const routerOptions = definedOnly(props.router);
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
      ...definedOnly(props.engine),
      ...definedOnly(props.prefill),
      kind: SglangRoleKind.PREFILL,
      model: this.model,
      rdma: this.rdma,
      gpu: this.gpu,
      bootstrapPort,
      // Kubernetes discovery reads each prefill pod's bootstrap port from this annotation.
      podAnnotations: this.discovery === RouterDiscovery.KUBERNETES
        ? { [BOOTSTRAP_PORT_ANNOTATION]: String(bootstrapPort) }
        : undefined,
    });
    this.decode = new SglangRole(this, 'decode', {
      ...common, ...definedOnly(props.engine), ...definedOnly(props.decode), kind: SglangRoleKind.DECODE, model: this.model, rdma: this.rdma, gpu: this.gpu,
    });

    const check = new ProblemCollector(this.node.path);
    this.ownProblems = check.problems;
    if (!isDnsLabel(this.name) || !/^[a-z]/.test(this.name)) {
      check.add('name', this.name, 'must be a DNS-1123 label that starts with a letter (a DNS-1035 label, since it names a Service): at most 63 characters of lowercase a-z, 0-9 and "-", starting with a letter and ending alphanumeric');
    }
    if (props.rbg !== undefined && !RbgTarget.ALL.includes(props.rbg)) {
      check.add('rbg', props.rbg, 'must be RbgTarget.V0_4, RbgTarget.V0_6 or RbgTarget.V0_7');
    }
    if (!(this.model instanceof QwenModelVolume)) {
      check.add('model', this.model, 'must be a QwenModelVolume');
    }
    const twin = this.node.root.node.findAll().find((c): c is PdServingGroup => c !== this && c instanceof PdServingGroup
      && c.name === this.name && Chart.of(c).namespace === Chart.of(this).namespace);
    if (twin !== undefined) {
      check.add('name', this.name, `is also the name of the group ${twin.node.path} in the same namespace; their RoleBasedGroups and Services would overwrite each other`);
    }
    this.validateAgreement(check);
    this.validateCluster(check);
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

    this.resource = createRoleBasedGroup(this, this.rbg, {
      name: this.name,
      labels: { ...this.labels, 'app.kubernetes.io/managed-by': 'cdk8s-sglang-pd' },
      annotations: { [RBG_TARGET_ANNOTATION]: this.rbg.release },
    }, () => this.roles.map((r) => r._toRoleModel()));

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, labels: this.labels },
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

  /** @internal Problems of the group's own props, plus dependencies added after construction. */
  public get problems(): ValidationProblem[] {
    return [...this.ownProblems, ...this.dependencyProblems()];
  }

  /** Warnings of the group and its roles: the deployment works but is degraded or unusual. */
  public get warnings(): ValidationProblem[] {
    return this.roles.flatMap((r) => r.warnings);
  }

  /** GPUs the group uses in total. */
  public get totalGpus(): number {
    return this.prefill.replicas * this.prefill.gpusPerPod + this.decode.replicas * this.decode.gpusPerPod;
  }

  /** Labels of the objects this group emits. */
  private get labels(): Record<string, string> {
    return { 'app.kubernetes.io/name': 'sglang', 'app.kubernetes.io/instance': this.name };
  }

  /** In-cluster URL of the client Service. */
  public get url(): string {
    return `http://${this.name}:${this.router.httpPort}`;
  }

  /** Dependencies must name roles of this group and must not form a cycle. */
  private dependencyProblems(): ValidationProblem[] {
    const check = new ProblemCollector(this.node.path);
    const roles = this.roles;
    for (const r of roles) {
      for (const d of r.dependsOn) {
        if (!roles.includes(d)) check.add(`${r.roleName}.dependencies`, d.node.path, `must be a role of group ${this.name} (${roles.map((x) => x.roleName).join(', ')})`);
      }
    }
    const state = new Map<SglangRole, 'visiting' | 'done'>();
    const visit = (r: SglangRole, trail: string[]): void => {
      if (state.get(r) === 'done' || !roles.includes(r)) return;
      if (state.get(r) === 'visiting') {
        check.add(`${r.roleName}.dependencies`, [...trail, r.roleName].join(' -> '), 'dependencies form a cycle; the controller would never create these roles');
        return;
      }
      state.set(r, 'visiting');
      for (const d of r.dependsOn) visit(d, [...trail, r.roleName]);
      state.set(r, 'done');
    };
    for (const r of roles) visit(r, []);
    return check.problems;
  }

  /** Prefill and decode must agree on what the KV handshake and the cache layout depend on. */
  private validateAgreement(check: ProblemCollector): void {
    const p = this.prefill.options;
    const d = this.decode.options;
    const pairs: Array<[string, unknown, unknown, string]> = [
      ['pageSize', p.pageSize, d.pageSize, 'the KV handshake fails when page sizes differ'],
      ['kvCacheDtype', p.kvCacheDtype, d.kvCacheDtype, 'the KV handshake fails when KV dtypes differ'],
      ['contextLength', p.contextLength, d.contextLength, 'requests accepted by prefill would not fit decode'],
      ['modelOverrideArgs', p.modelOverrideArgs, d.modelOverrideArgs, 'both sides must run the same model configuration'],
      ['transferBackend', this.prefill.transferBackend, this.decode.transferBackend, 'both sides must use the same KV transfer backend'],
      ['trustRemoteCode', p.trustRemoteCode ?? false, d.trustRemoteCode ?? false, 'both sides must load the model the same way'],
    ];
    for (const [field, pv, dv, why] of pairs) {
      if (showValue(pv) !== showValue(dv)) {
        check.add(`decode.${field}`, dv, `differs from prefill.${field} = ${showValue(pv)}: ${why}; set the same value on both (or once in engine)`);
      }
    }
  }

  /** The topology's pods must fit the declared cluster (a pod never spans nodes). */
  private validateCluster(check: ProblemCollector): void {
    const c = this.cluster;
    if (c === undefined) return;
    const perNode = this.gpu.gpusPerNode;
    if (c.nodes !== undefined && !check.integer('cluster.nodes', c.nodes, 1, 100_000)) return;
    if (c.gpus !== undefined && !check.integer('cluster.gpus', c.gpus, 1, 1_000_000)) return;
    const roles = [this.prefill, this.decode];
    // Bad replicas, parallelism or node size are reported by the roles; the arithmetic needs good ones.
    if (!Number.isInteger(perNode) || perNode < 1) return;
    if (roles.some((r) => !Number.isInteger(r.replicas) || r.replicas < 1 || r.replicas > 1000 || !Number.isInteger(r.gpusPerPod) || r.gpusPerPod < 1 || r.gpusPerPod > 64 * 64)) return;
    const available = c.gpus ?? (c.nodes ?? 0) * perNode;
    const total = this.totalGpus;
    if (total > available) {
      check.add('cluster', c, `the group needs ${total} GPUs (prefill ${this.prefill.replicas} x ${this.prefill.gpusPerPod} + decode ${this.decode.replicas} x ${this.decode.gpusPerPod}) but the cluster has ${available}`);
      return;
    }
    if (c.nodes !== undefined) {
      // First-fit decreasing: pods of the largest GPU count first.
      const pods = roles.flatMap((r) => Array<number>(r.replicas).fill(r.gpusPerPod)).sort((a, b) => b - a);
      const free = Array<number>(c.nodes).fill(perNode);
      const unplaced = pods.filter((need) => {
        const i = free.findIndex((f) => f >= need);
        if (i < 0) return true;
        free[i] -= need;
        return false;
      });
      if (unplaced.length > 0) {
        check.add('cluster.nodes', c.nodes, `${unplaced.length} pod(s) of ${unplaced[0]} GPUs do not fit on ${c.nodes} node(s) of ${perNode} ${this.gpu.name} GPUs, since a pod cannot span nodes`);
      }
    }
  }

  private createRouterRbac(name: string): void {
    const labels = this.labels;
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
