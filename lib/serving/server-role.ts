import { Duration, Size } from 'cdk8s';
import { k8s } from '../rbg/k8s';
import { Construct } from 'constructs';
import { GpuProfile } from '../model/gpu-profile';
import { RdmaProfile } from '../model/rdma-profile';
import { RoleModel } from '../rbg/role-based-group';
import { ServerCapacity, serverCapacity } from '../sglang/capacity';
import { serverArgs } from '../sglang/server-args';
import { SglangServerOptions, TransferBackend } from '../sglang/server-options';
import { QwenModelVolume } from '../storage/qwen-model-volume';
import { frozenCopy, frozenJsonCopy, jsonProblem } from '../util/json';
import { formatQuantity } from '../util/quantity';
import { Finding } from '../validation/findings';
import { contextRules, serverRules } from '../validation/server-rules';
import { fitRules } from '../validation/fit-rules';
import { multiNodeRules } from '../validation/multinode-rules';
import { PodParts, httpProbe } from './pod-template';
import { SglangRole, SglangRoleProps } from './sglang-role';
import { RoleAutoscaler, RoleAutoscaling } from './autoscaling';
import { featureLabels, inferenceWorkloadLabels } from './labels';
import { serverLabelRules } from '../validation/monitoring-rules';
import { ownedProps } from '../util/copy';

/**
 * Pod settings only servers have.
 */
export interface SglangServerPodOptions {
  /**
   * Size limit of the in-memory `/dev/shm` (emptyDir, medium Memory). It counts against the
   * pod's memory.
   * @default - no limit
   */
  readonly sharedMemory?: Size;
  /**
   * How long a pod may take to load the model before it is restarted.
   * @default 10 minutes plus 10 seconds per GB of weights (about 21 minutes for Qwen3-32B)
   */
  readonly startupTimeout?: Duration;
  /**
   * An HPA owns the role's replica count between these bounds (needs `RbgTarget.V0_7` and, in a
   * PdServingGroup, `RouterDiscovery.KUBERNETES`); `replicas` is then the initial count.
   * @default - no autoscaling: `replicas` pods
   */
  readonly autoscaling?: RoleAutoscaling;
  /**
   * Label the pods `alibabacloud.com/inference-workload: <group>` and
   * `alibabacloud.com/inference-backend: sglang`, by which ACK's managed Prometheus (ARMS) finds
   * SGLang servers and scrapes their `http` port at `/metrics`.
   * @default true
   */
  readonly inferenceWorkloadLabels?: boolean;
  /**
   * Nodes (pods) one instance spans. Above 1 the role becomes a leader/worker role of the
   * targeted controller (v0.7 `leaderWorkerPattern`, v1alpha1 `leaderWorkerSet`) with this size;
   * each pod takes every GPU of its node, so TP x DP (TP with DP attention) must equal GPUs per
   * node x nodes, and SGLang is started with `--dist-init-addr <leader>:<distInitPort> --nnodes
   * <n> --node-rank <index>` from the environment the controller injects.
   * @default 1
   */
  readonly nodesPerInstance?: number;
  /**
   * Port on the leader for SGLang's distributed initialisation (`--dist-init-addr`), with
   * `nodesPerInstance` above 1.
   * @default 20000
   */
  readonly distInitPort?: number;
}

/** Default port of `--dist-init-addr` on the leader of a multi-node instance. */
export const DEFAULT_DIST_INIT_PORT = 20000;

/**
 * Props of a prefill or decode server role.
 */
export interface SglangServerRoleProps extends SglangRoleProps, SglangServerOptions, SglangServerPodOptions {
  /** The model volume the servers mount. */
  readonly model: QwenModelVolume;
  /**
   * RDMA profile of the pods.
   * @default RdmaProfile.erdma()
   */
  readonly rdma?: RdmaProfile;
  /**
   * GPU of the pods.
   * @default GpuProfile.L20
   */
  readonly gpu?: GpuProfile;
}

/** Env var holding the pod IP, which SGLang's side channels advertise. */
const HOST_IP_ENV = 'SGLANG_HOST_IP';

/**
 * An SGLang server (`python3 -m sglang.launch_server`) in PD mode: `PrefillRole` or `DecodeRole`.
 *
 * GPUs per pod are derived from the parallelism (TP x DP, or TP with DP attention), never asked
 * twice; the RDMA resource, `IPC_LOCK`, shared memory, probes and SGLang flags follow from the
 * props.
 */
export abstract class SglangServerRole extends SglangRole {
  /** Tensor-parallel size. */
  public readonly tensorParallelSize: number;
  /** Data-parallel size. */
  public readonly dataParallelSize: number;
  /** GPUs per pod: TP x DP (TP with DP attention) divided by the nodes of an instance. */
  public readonly gpusPerPod: number;
  /** GPUs of one instance: TP x DP, or TP with DP attention. */
  public readonly gpusPerInstance: number;
  /** Nodes (pods) of one instance. */
  public readonly nodesPerInstance: number;
  /** Port of `--dist-init-addr` on the leader of a multi-node instance. */
  public readonly distInitPort: number;
  /** RDMA profile in effect. */
  public readonly rdma: RdmaProfile;
  /** Transfer backend in effect. */
  public readonly transferBackend: TransferBackend;
  /** The model volume. */
  public readonly model: QwenModelVolume;
  /** GPU of the pods. */
  public readonly gpu: GpuProfile;
  /** The typed SGLang options as given (a frozen copy; `extraArgs` is read with `extraArgs`). */
  public readonly options: SglangServerOptions;
  /** `--disaggregation-mode` of this server. */
  public abstract readonly mode: 'prefill' | 'decode';
  /** The HPA of this role, when `autoscaling` is set. */
  public readonly autoscaler?: RoleAutoscaler;

  private readonly serverProps: SglangServerRoleProps;

  /**
   * @param scope parent construct, normally a PdServingGroup
   * @param id construct id
   * @param props what the server runs and how (copied)
   * @param defaultRoleName role name when `props.roleName` is not given
   */
  protected constructor(scope: Construct, id: string, props: SglangServerRoleProps, defaultRoleName: string) {
    const p: SglangServerRoleProps = ownedProps(props);
    // With autoscaling, the initial pod count defaults to the lower bound.
    const a = p.autoscaling;
    const min = a !== null && typeof a === 'object' ? a.minReplicas : undefined;
    const initial = p.replicas ?? (typeof min === 'number' && Number.isInteger(min) && min >= 1 ? min : undefined);
    super(scope, id, { ...p, replicas: initial }, defaultRoleName, p.extraArgs);
    const overrides = p.modelOverrideArgs;
    this.options = Object.freeze({
      ...p,
      extraArgs: undefined,
      modelOverrideArgs: (overrides !== undefined && jsonProblem(overrides) === undefined ? frozenJsonCopy(overrides) : frozenCopy(overrides)) as Record<string, unknown> | undefined,
    });
    this.serverProps = p;
    this.model = p.model;
    this.rdma = p.rdma ?? RdmaProfile.erdma();
    this.gpu = p.gpu ?? GpuProfile.L20;
    this.tensorParallelSize = p.tensorParallelSize ?? 1;
    this.dataParallelSize = p.dataParallelSize ?? 1;
    this.gpusPerInstance = p.enableDpAttention === true ? this.tensorParallelSize : this.tensorParallelSize * this.dataParallelSize;
    this.nodesPerInstance = p.nodesPerInstance ?? 1;
    this.distInitPort = p.distInitPort ?? DEFAULT_DIST_INIT_PORT;
    // An instance that does not split evenly is reported at synth; the pod is sized up meanwhile.
    const nodes = Number.isInteger(this.nodesPerInstance) && this.nodesPerInstance >= 1 ? this.nodesPerInstance : 1;
    this.gpusPerPod = Math.ceil(this.gpusPerInstance / nodes);
    const rdmaEnabled = this.rdma instanceof RdmaProfile && this.rdma.enabled;
    this.transferBackend = p.transferBackend ?? (rdmaEnabled ? TransferBackend.MOONCAKE : TransferBackend.MOONCAKE_TCP);
    if (a !== undefined) {
      this.autoscaler = new RoleAutoscaler(this, 'Autoscaler', { autoscaling: a, role: this, replicas: p.replicas });
    }
  }

  /**
   * @internal The role, plus its scaling adapter when an HPA owns its replicas and its
   * leader/worker size when an instance spans nodes.
   */
  public _toRoleModel(): RoleModel {
    const model = super._toRoleModel();
    return {
      ...model,
      scalingAdapter: this.autoscaler === undefined ? undefined : { enable: true, labels: featureLabels(this.groupName, this.roleName) },
      leaderWorkerSize: this.multiNode ? this.nodesPerInstance : undefined,
    };
  }

  /** True when one instance spans several nodes (a leader pod and workers). */
  public get multiNode(): boolean {
    return this.nodesPerInstance > 1;
  }

  /**
   * DNS name of the pod that serves instance `index`: the pod itself, or the leader of a
   * multi-node instance (only the leader serves HTTP and the bootstrap port).
   */
  public podDnsName(index: number): string {
    return this.multiNode ? this.rbg.leaderDnsName(this.groupName, this.roleName, index) : super.podDnsName(index);
  }

  /** Labels of the pods that serve requests: every pod, or only the leaders of multi-node instances. */
  public get servingPodSelector(): Record<string, string> {
    return this.multiNode ? this.rbg.leaderSelector(this.groupName, this.roleName) : this.podSelector;
  }

  /** Prefill bootstrap port; undefined for decode. */
  public abstract get bootstrapPort(): number | undefined;

  /** Memory and KV-cache capacity of one pod on `gpu`, or undefined while the props are invalid. */
  public get capacity(): ServerCapacity | undefined {
    if (!(this.model instanceof QwenModelVolume) || !(this.gpu instanceof GpuProfile)) return undefined;
    const o = this.options;
    return serverCapacity({
      gpuMemoryMiB: this.gpu.reportedMemoryMiB,
      preloadOverheadMiB: this.gpu.preloadOverheadMiB,
      mode: this.mode,
      tp: this.tensorParallelSize,
      dp: this.dataParallelSize,
      dpAttention: o.enableDpAttention === true,
      memFractionStatic: o.memFractionStatic,
      chunkedPrefillSize: o.chunkedPrefillSize,
      maxRunningRequests: o.maxRunningRequests,
      maxTotalTokens: o.maxTotalTokens,
      kvCacheDtype: o.kvCacheDtype,
      contextLength: o.contextLength,
      extraArgs: this.extraArgs,
      model: this.model.model,
    });
  }

  /** Command-line arguments of the server (typed flags; `extraArgs` follow them). */
  public get args(): string[] {
    const multiNode = this.multiNode ? {
      // The kubelet expands $(VAR) from the env the controller injects into every pod of the instance.
      distInitAddr: `$(${this.rbg.leaderAddressEnv}):${this.distInitPort}`,
      nnodes: this.nodesPerInstance,
      nodeRank: `$(${this.rbg.workerIndexEnv})`,
    } : undefined;
    return serverArgs({
      multiNode,
      modelPath: this.model.mountPath,
      mode: this.mode,
      tensorParallelSize: this.tensorParallelSize,
      dataParallelSize: this.dataParallelSize,
      httpPort: this.httpPort,
      bootstrapPort: this.bootstrapPort,
      transferBackend: this.transferBackend,
      ibDevice: this.options.ibDevice ?? this.rdma.ibDevice,
      options: this.options,
    });
  }

  /** @internal */
  protected get flagRole(): 'prefill' | 'decode' {
    return this.mode;
  }

  /** @internal */
  protected findings(): Finding[] {
    const own = serverRules({
      options: this.options,
      hasModel: this.model instanceof QwenModelVolume,
      gpu: this.gpu,
      rdma: this.rdma,
      transferBackend: this.transferBackend,
      ibDevice: this.options.ibDevice,
      tensorParallelSize: this.tensorParallelSize,
      dataParallelSize: this.dataParallelSize,
      httpPort: this.httpPort,
      bootstrapPort: this.bootstrapPort,
      sharedMemory: this.serverProps.sharedMemory,
      startupTimeout: this.serverProps.startupTimeout,
    });
    const multiNode = multiNodeRules({
      nodesPerInstance: this.serverProps.nodesPerInstance,
      distInitPort: this.serverProps.distInitPort,
      gpusPerInstance: this.gpusPerInstance,
      gpusPerNode: this.gpu instanceof GpuProfile ? this.gpu.gpusPerNode : NaN,
      gpuName: String(this.gpu?.name),
      httpPort: this.httpPort,
      bootstrapPort: this.bootstrapPort,
    });
    const all = [...super.findings(), ...own, ...multiNode, ...serverLabelRules(this.serverProps.inferenceWorkloadLabels)];
    const blocking = ['model', 'gpu', 'tensorParallelSize', 'nodesPerInstance', 'dataParallelSize', 'expertParallelSize', 'memFractionStatic',
      'contextLength', 'chunkedPrefillSize', 'kvCacheDtype', 'modelOverrideArgs', 'enableDpAttention', 'maxTotalTokens'];
    const blocked = all.some((f) => f.severity === 'error' && blocking.some((b) => f.field === b || f.field.startsWith(`${b}.`)));
    // A model whose facts are wrong is reported by its volume; fitting it would only add noise.
    if (blocked || !this.model.hasValidModel) return all;
    const capacity = this.capacity;
    if (capacity === undefined) return all;
    const context = contextRules(this.model.model, this.options);
    return [
      ...all,
      ...context,
      ...fitRules({
        mode: this.mode,
        model: this.model.model,
        gpu: this.gpu,
        tensorParallelSize: this.tensorParallelSize,
        dataParallelSize: this.dataParallelSize,
        gpusPerPod: this.gpusPerPod,
        gpusPerInstance: this.multiNode ? this.gpusPerInstance : undefined,
        options: this.options,
        capacity,
      }),
    ];
  }

  /** @internal */
  protected podParts(): PodParts {
    const limits: Record<string, k8s.Quantity> = { [this.gpu.resourceName]: k8s.Quantity.fromNumber(this.gpusPerPod) };
    if (this.rdma.resourceName !== undefined) limits[this.rdma.resourceName] = k8s.Quantity.fromNumber(this.rdma.count);
    const shm = this.serverProps.sharedMemory;
    const common = this.commonParts();
    return {
      ...common,
      labels: this.serverProps.inferenceWorkloadLabels === false ? common.labels : { ...common.labels, ...inferenceWorkloadLabels(this.groupName) },
      containerName: 'sglang',
      module: 'sglang.launch_server',
      launchArgs: this.args,
      libraryEnv: [{ name: HOST_IP_ENV, valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
      ports: this.ports(),
      requests: this.requests(4 * this.gpusPerPod, Size.gibibytes(32 * this.gpusPerPod)),
      limits,
      volumeMounts: [
        { name: 'model', mountPath: this.model.mountPath, readOnly: true },
        { name: 'dshm', mountPath: '/dev/shm' },
      ],
      volumes: [
        { name: 'model', persistentVolumeClaim: { claimName: this.model.claimName, readOnly: true } },
        { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: shm === undefined ? undefined : k8s.Quantity.fromString(formatQuantity(shm)) } },
      ],
      // RDMA pins memory (ibv_reg_mr), which needs IPC_LOCK; nothing else is added back.
      addCapabilities: this.rdma.enabled ? ['IPC_LOCK'] : [],
      // SGLang servers never call the Kubernetes API.
      automountServiceAccountToken: false,
      startupProbe: httpProbe('/health', 10, 5, this.startupFailureThreshold()),
      readinessProbe: httpProbe('/health', 10, 5, 3),
      livenessProbe: httpProbe('/health', 30, 10, 6),
    };
  }

  /** @internal Container ports; prefill adds its bootstrap port. */
  protected ports(): k8s.ContainerPort[] {
    return [{ name: 'http', containerPort: this.httpPort, protocol: 'TCP' }];
  }

  private startupFailureThreshold(): number {
    const seconds = this.serverProps.startupTimeout?.toSeconds() ?? 600 + 10 * Math.ceil(this.model.model.weightsGigabytes);
    return Math.max(1, Math.ceil(seconds / 10));
  }
}
