import { ApiObject } from 'cdk8s';
import { k8s } from '../rbg/k8s';
import { Construct } from 'constructs';
import { GpuProfile } from '../model/gpu-profile';
import { RdmaProfile } from '../model/rdma-profile';
import { RbgTarget } from '../rbg/rbg-target';
import { createCoordinatedPolicy } from '../rbg/coordinated-policy';
import { createRoleBasedGroup } from '../rbg/role-based-group';
import { RouterDiscovery, RouterPolicy } from '../sglang/router-options';
import { SglangServerOptions } from '../sglang/server-options';
import { SglangImage } from '../sglang/sglang-image';
import { QwenModelVolume } from '../storage/qwen-model-volume';
import { definedOnly, ownedProps } from '../util/copy';
import { isDnsLabel } from '../util/names';
import { extraArgAgreementRules } from '../validation/flag-rules';
import { agreementRules, clusterRules, dependencyRules, groupNameRules } from '../validation/group-rules';
import { Findings } from '../validation/findings';
import { networkIsolationRules } from '../validation/network-rules';
import { placementRules } from '../validation/placement-rules';
import { lockstepRules } from '../validation/rollout-rules';
import { addRules } from '../validation/register';
import { registerAppRules } from '../validation/app-rules';
import { DecodeRole } from './decode-role';
import { groupLabels, resourceLabels } from './labels';
import { DEFAULT_BOOTSTRAP_PORT, PrefillRole } from './prefill-role';
import { GroupNetworkPolicies, NetworkIsolationOptions } from './network-policy';
import { PlacementOptions, groupPlacementModel, kvPeerAffinity } from './placement';
import { LockstepRolloutOptions, lockstepModel } from './rollout';
import { RouterRbac } from './router-rbac';
import { RouterRole } from './router-role';
import { SglangServerPodOptions } from './server-role';
import { SglangPodOptions, SglangRole } from './sglang-role';
import { ReplicaRatio, SCALING_ADAPTER_KIND } from './autoscaling';
import { GroupMonitoring, MonitoringOptions } from './monitoring';
import { InferenceGateway, InferenceGatewayOptions } from './inference-gateway';
import { ScaledRole, groupAutoscalingRules } from '../validation/autoscaling-rules';

/**
 * Options of the prefill or the decode role of a PdServingGroup.
 */
export interface PdServerRoleOptions extends SglangPodOptions, SglangServerOptions, SglangServerPodOptions {}

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
 * Props of a PdServingGroup.
 */
export interface PdServingGroupProps {
  /** Name of the RoleBasedGroup and of the client Service, a DNS-1035 label, e.g. `sglang-pd`. */
  readonly name: string;
  /** The model and its volume (in the same namespace as the group). */
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
   * @default SglangImage.DEFAULT (`lmsysorg/sglang:v0.5.18-cu129`)
   */
  readonly image?: SglangImage;
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
  /**
   * Limits on the prefill:decode pod ratio, checked over every pair of replica counts the roles
   * can reach (with `autoscaling`, anywhere within their bounds).
   * @default - not checked
   */
  readonly replicaRatio?: ReplicaRatio;
  /**
   * NetworkPolicies isolating the group's pods (ingress only): who may call the router, and that
   * only the router reaches prefill and decode, which reach each other for the KV cache.
   * Opt out with `{ enabled: false }`.
   * @default - isolated; clients are the pods of the group's namespace
   */
  readonly networkIsolation?: NetworkIsolationOptions;
  /**
   * Where the group's pods land as a whole: prefill and decode kept in one zone (or rack, or
   * node), exclusive topology, gang scheduling.
   * @default - prefill and decode required in one zone; no exclusive topology; no gang scheduling
   */
  readonly placement?: PlacementOptions;
  /**
   * Lockstep rollout of prefill and decode: a `CoordinatedPolicy` named like the group on RBG
   * v0.7, `spec.coordination` on v0.6 (v0.4 has neither).
   * @default - on for RBG v0.6 and v0.7 with a maximum skew of 10 %; off for v0.4
   */
  readonly lockstep?: LockstepRolloutOptions;
}

/** Annotation the router's Kubernetes discovery reads the prefill bootstrap port from. */
export const BOOTSTRAP_PORT_ANNOTATION = 'sglang.ai/bootstrap-port';

/** Annotation on the RoleBasedGroup naming the controller release it was written for. */
export const RBG_TARGET_ANNOTATION = 'cdk8s-sglang-pd/rbg-target';

/**
 * A complete prefill/decode disaggregated SGLang service: one RoleBasedGroup with prefill,
 * decode and router roles, plus the ClusterIP Service `<name>` in front of the router (and, with
 * Kubernetes discovery, the router's ServiceAccount, Role and RoleBinding).
 *
 * The router role depends on prefill and decode, so it starts once they are ready, and its
 * wiring (worker URLs or discovery selectors) is derived from the topology and the targeted
 * controller release. Everything is validated when the app is synthesized.
 */
export class PdServingGroup extends Construct {
  /** Group name. */
  public readonly name: string;
  /** Controller release. */
  public readonly rbg: RbgTarget;
  /** The model volume. */
  public readonly model: QwenModelVolume;
  /** RDMA profile of prefill and decode. */
  public readonly rdma: RdmaProfile;
  /** The prefill role. */
  public readonly prefill: PrefillRole;
  /** The decode role. */
  public readonly decode: DecodeRole;
  /** The router role. */
  public readonly router: RouterRole;
  /** Router discovery mode. */
  public readonly discovery: RouterDiscovery;
  /** GPU of prefill and decode pods. */
  public readonly gpu: GpuProfile;
  /** Declared cluster capacity, if any (a frozen copy). */
  public readonly cluster?: ClusterCapacity;
  /** The RoleBasedGroup API object. */
  public readonly resource: ApiObject;
  /** The client Service in front of the router. */
  public readonly service: ApiObject;
  /** The NetworkPolicies of the group (router, prefill, decode), empty when isolation is off. */
  public readonly networkPolicies: ApiObject[];
  /** @internal The isolation options the policies are built from (valid ones; `{}` by default). */
  public readonly _isolation: NetworkIsolationOptions;
  /** Placement of the group (a frozen copy of the prop; defaults are not filled in). */
  public readonly placement?: PlacementOptions;
  /** The CoordinatedPolicy of an RBG v0.7 group with lockstep rollout, if any. */
  public readonly coordinatedPolicy?: ApiObject;

  /**
   * Defines the group: its three roles, the RoleBasedGroup and the client Service. Bad props fail
   * the synth with every problem of the app.
   * @param scope parent construct, normally a Chart
   * @param id construct id
   * @param props the model, the topology and the hardware (copied)
   */
  constructor(scope: Construct, id: string, props: PdServingGroupProps) {
    super(scope, id);
    const p: PdServingGroupProps = ownedProps(props);
    this.name = p.name;
    this.rbg = RbgTarget.ALL.includes(p.rbg as RbgTarget) ? p.rbg as RbgTarget : RbgTarget.V0_7;
    this.model = p.model;
    this.rdma = p.rdma ?? RdmaProfile.erdma();
    this.gpu = p.gpu ?? GpuProfile.L20;
    this.cluster = p.cluster;
    // Keys set to undefined mean "not set": they must not override the engine or group values.
    const routerOptions = definedOnly(p.router);
    this.discovery = routerOptions.discovery ?? RouterDiscovery.STATIC;
    const common = { groupName: this.name, rbg: this.rbg, image: p.image, httpPort: p.httpPort };
    const server = { model: this.model, rdma: this.rdma, gpu: this.gpu };
    const bootstrapPort = p.bootstrapPort ?? DEFAULT_BOOTSTRAP_PORT;
    this.prefill = new PrefillRole(this, 'prefill', {
      ...common, ...definedOnly(p.engine), ...definedOnly(p.prefill), ...server, bootstrapPort,
    });
    // Kubernetes discovery reads each prefill pod's bootstrap port from this annotation.
    if (this.discovery === RouterDiscovery.KUBERNETES) {
      this.prefill._setLibraryAnnotation(BOOTSTRAP_PORT_ANNOTATION, String(bootstrapPort), `the router's Kubernetes discovery reads the prefill bootstrap port (${String(bootstrapPort)}) from it`);
    }
    this.decode = new DecodeRole(this, 'decode', { ...common, ...definedOnly(p.engine), ...definedOnly(p.decode), ...server });
    this.placement = p.placement;
    const gang = this.placement?.gangScheduling;
    const rbac = this.discovery === RouterDiscovery.KUBERNETES ? new RouterRbac(this, `${this.name}-router`, groupLabels(this.name)) : undefined;
    this.router = new RouterRole(this, 'router', {
      ...common,
      ...routerOptions,
      serviceAccountName: rbac?.serviceAccountName,
      // A gang-scheduled group needs every pod at once, so the router cannot wait for its workers.
      dependencies: gang === undefined ? [this.prefill, this.decode] : [],
      prefill: this.prefill,
      decode: this.decode,
      discovery: this.discovery,
    });
    const placementFindings = () => placementRules(this.placement, {
      totalGpus: this.totalGpus,
      gpusPerNode: this.gpu instanceof GpuProfile ? this.gpu.gpusPerNode : NaN,
      maxNodesPerInstance: Math.max(this.prefill.nodesPerInstance, this.decode.nodesPerInstance),
      dependentRoles: this.roles.filter((r) => r.dependsOn.length > 0).map((r) => r.roleName),
    });
    // The emitted placement uses valid settings only; bad ones are reported at synth.
    const placementOk = placementFindings().length === 0;
    const placement: PlacementOptions = placementOk && this.placement !== undefined ? this.placement : {};
    const peers = kvPeerAffinity(placement, this.rbg, this.name, [this.prefill.roleName, this.decode.roleName]);
    for (const r of [this.prefill, this.decode]) r._setPeerAffinity(peers);
    const lockstep = p.lockstep;
    const lockstepFindings = lockstepRules(lockstep, this.rbg, [this.prefill, this.decode].map((r) => ({ roleName: r.roleName, replicas: r.replicas, rollout: r.rolloutStrategy })));
    const coordination = lockstepFindings.length > 0 ? undefined : lockstepModel(lockstep, this.rbg, [this.prefill.roleName, this.decode.roleName]);
    this.resource = createRoleBasedGroup(this, this.rbg, {
      name: this.name,
      labels: resourceLabels(this.name),
      annotations: { [RBG_TARGET_ANNOTATION]: this.rbg.release },
    }, () => this.roles.map((r) => r._toRoleModel()), { ...groupPlacementModel(placement), coordination: this.rbg === RbgTarget.V0_6 ? coordination : undefined });
    if (coordination !== undefined && this.rbg === RbgTarget.V0_7) {
      this.coordinatedPolicy = createCoordinatedPolicy(this, { name: this.name, labels: groupLabels(this.name) }, coordination);
    }
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, labels: groupLabels(this.name) },
      spec: {
        type: 'ClusterIP',
        selector: this.router.podSelector,
        ports: [{ name: 'http', port: this.router.httpPort, targetPort: k8s.IntOrString.fromNumber(this.router.httpPort), protocol: 'TCP' }],
      },
    });
    const isolation = p.networkIsolation;
    const isolationFindings = networkIsolationRules(isolation);
    // Invalid options are reported at synth; the policies are built from valid ones only.
    this._isolation = isolationFindings.length === 0 && isolation !== undefined ? isolation : {};
    this.networkPolicies = GroupNetworkPolicies._forGroup(this, this._isolation);
    const requestedRbg = p.rbg;
    addRules(this, () => {
      const f = new Findings();
      if (requestedRbg !== undefined && !RbgTarget.ALL.includes(requestedRbg)) f.error('rbg', requestedRbg, 'must be RbgTarget.V0_4, RbgTarget.V0_6 or RbgTarget.V0_7');
      if (!(this.model instanceof QwenModelVolume)) f.error('model', this.model, 'must be a QwenModelVolume');
      return [
        ...groupNameRules(this.name),
        ...f.list,
        ...isolationFindings,
        ...placementFindings(),
        ...lockstepFindings,
        ...agreementRules(this.prefill.options, this.decode.options, [this.prefill.transferBackend, this.decode.transferBackend]),
        ...extraArgAgreementRules(this.prefill.extraArgs, this.decode.extraArgs),
        ...dependencyRules(this.name, this.roles),
        // A multi-node instance is that many pods of gpusPerPod GPUs, one per node.
        ...clusterRules(this.cluster, this.gpu instanceof GpuProfile ? this.gpu.gpusPerNode : NaN, String(this.gpu?.name),
          [this.prefill, this.decode].map((r) => ({ roleName: r.roleName, replicas: r.replicas * r.nodesPerInstance, gpusPerPod: r.gpusPerPod }))),
      ];
    });
    const replicaRatio = p.replicaRatio;
    addRules(this, () => groupAutoscalingRules({
      discovery: this.discovery,
      prefill: scaledRole(this.prefill),
      decode: scaledRole(this.decode),
      ratio: replicaRatio,
      clusterGpus: clusterGpus(this.cluster, this.gpu),
    }));
    registerAppRules(this, () => ({
      // Names derived from a name that is not a DNS label would only restate its own problem.
      controllerObjects: !isDnsLabel(this.name) ? [] : this.roles.flatMap((r) => [
        { kind: 'Service', name: this.rbg.headlessServiceName(this.name, r.roleName), why: `headless Service the RBG ${this.rbg.release} controller creates for role ${r.roleName}` },
        { kind: 'RoleWorkload', name: this.rbg.workloadName(this.name, r.roleName), why: `workload the RBG ${this.rbg.release} controller creates for role ${r.roleName}` },
      ]).concat([this.prefill, this.decode].filter((r) => r.autoscaler !== undefined).map((r) => (
        { kind: SCALING_ADAPTER_KIND, name: this.rbg.scalingAdapterName(this.name, r.roleName), why: `scaling adapter the RBG ${this.rbg.release} controller creates for role ${r.roleName}` }
      ))),
      sameNamespaceAs: this.model instanceof QwenModelVolume ? [{ construct: this.model, field: 'model' }] : [],
    }));
  }

  /**
   * Scrapes the group with the Prometheus Operator: a PodMonitor `<name>` (or, with
   * `MonitorKind.SERVICE_MONITOR`, a ServiceMonitor and the headless Service `<name>-metrics`) on
   * the servers' `http` port and the router's `metrics` port, at `/metrics`, with `group` and
   * `role` labels. Call it once.
   * @param options kind of monitor, interval, labels of the monitor
   */
  public enableMonitoring(options: MonitoringOptions = {}): GroupMonitoring {
    return GroupMonitoring._enable(this, options);
  }

  /**
   * Routes traffic from a Gateway API Gateway to the group through the Inference Extension: an
   * InferencePool `<name>` selecting the router pods on the HTTP port, with an endpoint picker,
   * and an HTTPRoute `<name>` from the Gateway to the pool. Call it once.
   * @param options the Gateway, the endpoint picker and the route
   */
  public exposeThroughInferenceGateway(options: InferenceGatewayOptions): InferenceGateway {
    return InferenceGateway._expose(this, options);
  }

  /** All roles: prefill, decode, router. */
  public get roles(): SglangRole[] {
    return [this.prefill, this.decode, this.router];
  }

  /** GPUs the group uses in total. */
  public get totalGpus(): number {
    return [this.prefill, this.decode].reduce((n, r) => n + r.replicas * r.nodesPerInstance * r.gpusPerPod, 0);
  }

  /** In-cluster URL of the client Service. */
  public get url(): string {
    return `http://${this.name}:${this.router.httpPort}`;
  }
}

/** A server role as the group's autoscaling rules see it. */
function scaledRole(r: PrefillRole | DecodeRole): ScaledRole {
  const a = r.autoscaler;
  // A replica of a multi-node role is one instance: nodesPerInstance pods of gpusPerPod GPUs.
  return { roleName: r.roleName, replicas: r.replicas, gpusPerPod: r.gpusPerPod * r.nodesPerInstance, bounds: a === undefined ? undefined : { minReplicas: a.minReplicas, maxReplicas: a.maxReplicas } };
}

/** GPUs of the declared cluster, when it is declared and valid (its own rule reports it otherwise). */
function clusterGpus(c: ClusterCapacity | undefined, gpu: GpuProfile): number | undefined {
  if (c === undefined || c === null || typeof c !== 'object') return undefined;
  if (typeof c.gpus === 'number' && Number.isInteger(c.gpus)) return c.gpus;
  return typeof c.nodes === 'number' && Number.isInteger(c.nodes) && gpu instanceof GpuProfile ? c.nodes * gpu.gpusPerNode : undefined;
}
