import { Duration, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IProblemSource, ProblemCollector, ValidationProblem, registerProblemSource } from '../validation/problem';
import { GpuProfile } from '../model/gpu-profile';
import { MIN_KV_POOL_BYTES, ServerCapacity, gib, serverCapacity } from '../sglang/capacity';
import { RoleModel } from '../rbg/role-based-group';
import { formatQuantity, isDnsLabel, isExtendedResourceName, isLabelKey, isLabelValue, isWholeKib } from '../util/util';
import { checkExtraArgs, lookupFlag } from '../sglang/flags';
import { QwenModelVolume } from '../storage/qwen-model-volume';
import { RbgTarget } from '../rbg/rbg-target';
import { RdmaProfile } from '../model/rdma-profile';

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
   * Container image.
   * @default 'lmsysorg/sglang:v0.5.18'
   */
  readonly image?: string;
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
   * Size limit of the in-memory `/dev/shm` (emptyDir, medium Memory) of server pods. It counts
   * against the pod's memory.
   * @default - no limit
   */
  readonly sharedMemory?: Size;
  /**
   * Extra environment variables of the container (name to value).
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * Node labels the pods must match.
   * @default - none
   */
  readonly nodeSelector?: Record<string, string>;
}

/**
 * SGLang server flags a PD deployment sets, as typed props. Anything else goes in `extraArgs`.
 */
export interface SglangServerOptions {
  /**
   * `--tp-size`: GPUs one model replica is sharded over.
   * @default 1
   */
  readonly tensorParallelSize?: number;
  /**
   * `--dp-size`: data-parallel replicas inside one pod. GPUs per pod = TP x DP.
   * @default 1
   */
  readonly dataParallelSize?: number;
  /**
   * `--enable-dp-attention`: the DP ranks share the TP GPUs (attention is data-parallel inside
   * the TP group), so a pod needs TP GPUs instead of TP x DP. DP must divide TP.
   * @default false
   */
  readonly enableDpAttention?: boolean;
  /**
   * `--ep-size`: expert-parallel size (MoE models).
   * @default - not set (SGLang default 1)
   */
  readonly expertParallelSize?: number;
  /**
   * `--mem-fraction-static`: share of GPU memory for weights and KV cache, in (0, 1).
   * @default - SGLang picks it from the GPU size
   */
  readonly memFractionStatic?: number;
  /**
   * `--context-length`: maximum tokens of one request (prompt + output).
   * @default - the model's native context
   */
  readonly contextLength?: number;
  /**
   * `--chunked-prefill-size`: tokens per prefill chunk.
   * @default - SGLang default
   */
  readonly chunkedPrefillSize?: number;
  /**
   * `--max-running-requests`.
   * @default - SGLang default
   */
  readonly maxRunningRequests?: number;
  /**
   * `--page-size`: tokens per KV page. Prefill and decode must agree.
   * @default - SGLang default (1)
   */
  readonly pageSize?: number;
  /**
   * `--kv-cache-dtype`. Prefill and decode must agree.
   * @default - SGLang default (auto: the model dtype)
   */
  readonly kvCacheDtype?: KvCacheDtype;
  /**
   * `--disaggregation-transfer-backend`.
   * @default TransferBackend.MOONCAKE with RDMA, TransferBackend.MOONCAKE_TCP with RdmaProfile.none()
   */
  readonly transferBackend?: TransferBackend;
  /**
   * `--disaggregation-ib-device`: RDMA NIC(s), e.g. `erdma_0` or `mlx5_0,mlx5_1`.
   * @default - the RDMA profile's device, else SGLang picks one
   */
  readonly ibDevice?: string;
  /**
   * `--reasoning-parser`, e.g. `qwen3`.
   * @default - not set
   */
  readonly reasoningParser?: string;
  /**
   * `--tool-call-parser`, e.g. `qwen25`.
   * @default - not set
   */
  readonly toolCallParser?: string;
  /**
   * `--enable-metrics`: Prometheus metrics on the HTTP port at `/metrics`.
   * @default true
   */
  readonly enableMetrics?: boolean;
  /**
   * `--trust-remote-code`.
   * @default false
   */
  readonly trustRemoteCode?: boolean;
  /**
   * `--json-model-override-args`, e.g. a YaRN `rope_scaling` for 131k context.
   * @default - none
   */
  readonly modelOverrideArgs?: Record<string, unknown>;
  /**
   * `--served-model-name`: the `model` name clients send.
   * @default - the model path
   */
  readonly servedModelName?: string;
  /**
   * Further `sglang.launch_server` arguments, full flag names, e.g. `['--log-level', 'debug']`.
   * @default - none
   */
  readonly extraArgs?: string[];
}

/**
 * Props of an SglangRole.
 */
export interface SglangRoleProps extends SglangPodOptions, SglangServerOptions {
  /** What the role runs. */
  readonly kind: SglangRoleKind;
  /** Name of the RoleBasedGroup the role belongs to. */
  readonly groupName: string;
  /**
   * Role name inside the group.
   * @default the kind: 'prefill', 'decode' or 'router'
   */
  readonly roleName?: string;
  /**
   * Controller release the manifests are written for.
   * @default RbgTarget.V0_7
   */
  readonly rbg?: RbgTarget;
  /**
   * Model volume. Required for prefill and decode roles; unused by the router.
   * @default - none (valid for the router only)
   */
  readonly model?: QwenModelVolume;
  /**
   * RDMA profile of prefill and decode pods.
   * @default RdmaProfile.erdma()
   */
  readonly rdma?: RdmaProfile;
  /**
   * GPU of prefill and decode pods.
   * @default GpuProfile.L20
   */
  readonly gpu?: GpuProfile;
  /**
   * HTTP port (API, health and metrics), named `http`.
   * @default 8000
   */
  readonly httpPort?: number;
  /**
   * Prefill bootstrap port (`--disaggregation-bootstrap-port`), named `bootstrap`. Prefill only.
   * @default 34000
   */
  readonly bootstrapPort?: number;
  /**
   * How long a pod may take to load the model before it is restarted.
   * @default 10 minutes plus 10 seconds per GB of weights (about 21 minutes for Qwen3-32B)
   */
  readonly startupTimeout?: Duration;
  /**
   * Roles that must be ready before this one is created.
   * @default - none
   */
  readonly dependencies?: SglangRole[];
  /**
   * Router only: how the router finds its prefill and decode workers.
   * @default - required for routers
   */
  readonly routing?: RouterWiring;
  /**
   * Pod annotations.
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
 * One role of a RoleBasedGroup running one SGLang process per pod: a prefill server, a decode
 * server, or the router in front of them.
 *
 * GPUs per pod are derived from the parallelism (TP x DP), never asked twice; the RDMA resource,
 * `IPC_LOCK`, shared memory, probes and SGLang flags follow from the props.
 */
export class SglangRole extends Construct implements IProblemSource {
  /** What the role runs. */
  public readonly kind: SglangRoleKind;
  /** Group name. */
  public readonly groupName: string;
  /** Role name inside the group. */
  public readonly roleName: string;
  /** Controller release. */
  public readonly rbg: RbgTarget;
  /** Pods of this role. */
  public readonly replicas: number;
  /** Container image. */
  public readonly image: string;
  /** HTTP port. */
  public readonly httpPort: number;
  /** Bootstrap port (prefill only). */
  public readonly bootstrapPort?: number;
  /** Tensor-parallel size (servers). */
  public readonly tensorParallelSize: number;
  /** Data-parallel size (servers). */
  public readonly dataParallelSize: number;
  /** GPUs per pod: TP x DP for servers, 0 for the router. */
  public readonly gpusPerPod: number;
  /** RDMA profile in effect (servers). */
  public readonly rdma: RdmaProfile;
  /** Transfer backend in effect (servers). */
  public readonly transferBackend?: TransferBackend;
  /** The model volume (servers). */
  public readonly model?: QwenModelVolume;
  /** GPU of server pods. */
  public readonly gpu: GpuProfile;
  /** Warnings: the deployment works but is degraded or unusual. */
  public readonly warnings: ValidationProblem[] = [];
  /** The props as given, for flag rendering and validation. */
  public readonly options: SglangServerOptions;
  /** @internal */
  public readonly problems: ValidationProblem[];

  private readonly props: SglangRoleProps;
  private readonly env: Record<string, string>;
  private readonly dependencies: SglangRole[];
  private readonly check: ProblemCollector;

  /**
   * Defines one role. Its problems are reported when the app is synthesized, together with those
   * of every other construct of this library.
   * @param scope parent construct, normally a PdServingGroup
   * @param id construct id, e.g. `prefill`
   * @param props what the role runs and how
   */
  constructor(scope: Construct, id: string, props: SglangRoleProps) {
    super(scope, id);
    this.props = props;
    this.kind = props.kind;
    this.groupName = props.groupName;
    this.roleName = props.roleName ?? props.kind;
    // An unknown target is reported by validate(); names are derived for the default meanwhile.
    this.rbg = RbgTarget.ALL.includes(props.rbg ?? RbgTarget.V0_7) ? props.rbg ?? RbgTarget.V0_7 : RbgTarget.V0_7;
    this.replicas = props.replicas ?? 1;
    this.image = props.image ?? DEFAULT_IMAGE;
    this.httpPort = props.httpPort ?? 8000;
    this.bootstrapPort = props.kind === SglangRoleKind.PREFILL ? props.bootstrapPort ?? 34000 : undefined;
    this.options = props;
    this.rdma = props.rdma ?? RdmaProfile.erdma();
    this.model = props.model;
    this.gpu = props.gpu ?? GpuProfile.L20;
    const server = props.kind !== SglangRoleKind.ROUTER;
    this.tensorParallelSize = server ? props.tensorParallelSize ?? 1 : 0;
    this.dataParallelSize = server ? props.dataParallelSize ?? 1 : 0;
    this.gpusPerPod = props.enableDpAttention === true
      ? this.tensorParallelSize
      : this.tensorParallelSize * this.dataParallelSize;
    this.transferBackend = server
      ? props.transferBackend ?? (this.rdma.enabled ? TransferBackend.MOONCAKE : TransferBackend.MOONCAKE_TCP)
      : undefined;
    this.env = { ...(props.env ?? {}) };
    this.dependencies = [...(props.dependencies ?? [])];

    this.check = new ProblemCollector(this.node.path);
    this.problems = this.check.problems;
    this.validate(this.check);
    registerProblemSource(this);
  }

  /** True for prefill and decode roles. */
  public get isServer(): boolean {
    return this.kind !== SglangRoleKind.ROUTER;
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

  /** Adds an environment variable to the container; a bad name fails the synth. */
  public addEnv(name: string, value: string): void {
    this.env[name] = value;
    this.validateEnvVar(this.check, name);
  }

  /** Roles that must be ready before this one is created. */
  public get dependsOn(): SglangRole[] {
    return [...this.dependencies];
  }

  /** Adds a role that must be ready before this one is created. */
  public addDependency(role: SglangRole): void {
    this.dependencies.push(role);
  }

  /** Command-line arguments of the SGLang process (after `python3 -m <module>`). */
  public get args(): string[] {
    return this.isServer ? this.serverArgs() : this.routerArgs();
  }

  /**
   * Flags that typed props own. `extraArgs` may not set them, even where the typed prop is unset,
   * so prefill and decode cannot drift apart through `extraArgs`.
   */
  public get typedFlags(): string[] {
    return this.isServer ? [...SERVER_TYPED_FLAGS] : [...ROUTER_TYPED_FLAGS];
  }

  /** Memory and KV-cache capacity of one server pod on `gpu`; undefined for the router. */
  public get capacity(): ServerCapacity | undefined {
    if (!this.isServer || this.model === undefined) return undefined;
    const o = this.options;
    return serverCapacity({
      gpuMemoryBytes: this.gpu.memoryBytes,
      tp: this.tensorParallelSize,
      dp: this.dataParallelSize,
      dpAttention: this.options.enableDpAttention === true,
      memFractionStatic: o.memFractionStatic,
      chunkedPrefillSize: o.chunkedPrefillSize,
      kvCacheDtype: o.kvCacheDtype,
      contextLength: o.contextLength,
      model: this.model.model,
    });
  }

  /** @internal */
  public _toRoleModel(): RoleModel {
    return {
      name: this.roleName,
      replicas: this.replicas,
      dependencies: this.dependencies.map((d) => d.roleName),
      template: this.podTemplate(),
    };
  }

  private serverArgs(): string[] {
    const o = this.options;
    const a: string[] = [
      '--model-path', this.model?.mountPath ?? '',
      '--tp-size', String(this.tensorParallelSize),
    ];
    if (this.dataParallelSize !== 1) a.push('--dp-size', String(this.dataParallelSize));
    if (o.enableDpAttention === true) a.push('--enable-dp-attention');
    if (o.expertParallelSize !== undefined) a.push('--ep-size', String(o.expertParallelSize));
    a.push('--disaggregation-mode', this.kind);
    a.push('--host', '0.0.0.0', '--port', String(this.httpPort));
    if (this.bootstrapPort !== undefined) a.push('--disaggregation-bootstrap-port', String(this.bootstrapPort));
    a.push('--disaggregation-transfer-backend', String(this.transferBackend));
    const ib = o.ibDevice ?? this.rdma.ibDevice;
    if (ib !== undefined) a.push('--disaggregation-ib-device', ib);
    if (o.memFractionStatic !== undefined) a.push('--mem-fraction-static', String(o.memFractionStatic));
    if (o.contextLength !== undefined) a.push('--context-length', String(o.contextLength));
    if (o.chunkedPrefillSize !== undefined) a.push('--chunked-prefill-size', String(o.chunkedPrefillSize));
    if (o.maxRunningRequests !== undefined) a.push('--max-running-requests', String(o.maxRunningRequests));
    if (o.pageSize !== undefined) a.push('--page-size', String(o.pageSize));
    if (o.kvCacheDtype !== undefined) a.push('--kv-cache-dtype', o.kvCacheDtype);
    if (o.modelOverrideArgs !== undefined) a.push('--json-model-override-args', stableJson(o.modelOverrideArgs));
    if (o.servedModelName !== undefined) a.push('--served-model-name', o.servedModelName);
    if (o.reasoningParser !== undefined) a.push('--reasoning-parser', o.reasoningParser);
    if (o.toolCallParser !== undefined) a.push('--tool-call-parser', o.toolCallParser);
    if (o.trustRemoteCode === true) a.push('--trust-remote-code');
    if (o.enableMetrics !== false) a.push('--enable-metrics');
    return a;
  }

  private routerArgs(): string[] {
    const w = this.props.routing;
    if (w === undefined) return [];
    const a: string[] = ['--pd-disaggregation'];
    if (w.discovery === RouterDiscovery.KUBERNETES) {
      const sel = (r: SglangRole) => Object.entries(r.podSelector).map(([k, v]) => `${k}=${v}`);
      a.push(
        '--service-discovery',
        '--service-discovery-namespace', '$(POD_NAMESPACE)',
        '--service-discovery-port', String(w.prefill.httpPort),
        '--prefill-selector', ...sel(w.prefill),
        '--decode-selector', ...sel(w.decode),
      );
    } else {
      for (let i = 0; i < w.prefill.replicas; i++) {
        a.push('--prefill', w.prefill.podUrl(i), String(w.prefill.bootstrapPort));
      }
      for (let i = 0; i < w.decode.replicas; i++) {
        a.push('--decode', w.decode.podUrl(i));
      }
    }
    a.push('--host', '0.0.0.0', '--port', String(this.httpPort));
    if (w.policy !== undefined) a.push('--policy', w.policy);
    a.push('--prometheus-host', '0.0.0.0', '--prometheus-port', String(w.metricsPort ?? DEFAULT_ROUTER_METRICS_PORT));
    return a;
  }

  private podTemplate(): k8s.PodTemplateSpec {
    const server = this.isServer;
    const labels: Record<string, string> = {
      'app.kubernetes.io/name': 'sglang',
      'app.kubernetes.io/instance': this.groupName,
      'app.kubernetes.io/component': this.roleName,
      'app.kubernetes.io/managed-by': 'cdk8s-sglang-pd',
    };
    const annotations: Record<string, string> = { ...(this.props.podAnnotations ?? {}) };
    const ports: k8s.ContainerPort[] = [{ name: 'http', containerPort: this.httpPort, protocol: 'TCP' }];
    if (this.bootstrapPort !== undefined) ports.push({ name: 'bootstrap', containerPort: this.bootstrapPort, protocol: 'TCP' });
    if (!server) ports.push({ name: 'metrics', containerPort: this.props.routing?.metricsPort ?? DEFAULT_ROUTER_METRICS_PORT, protocol: 'TCP' });

    const env: k8s.EnvVar[] = [];
    if (server) env.push({ name: 'SGLANG_HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    if (this.props.routing?.discovery === RouterDiscovery.KUBERNETES) {
      env.push({ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
    }
    for (const name of Object.keys(this.env).sort()) env.push({ name, value: this.env[name] });

    const requests: Record<string, k8s.Quantity> = {
      cpu: k8s.Quantity.fromString(String(this.props.cpu ?? (server ? 4 * this.gpusPerPod : 2))),
      memory: k8s.Quantity.fromString(formatQuantity(this.props.memory ?? Size.gibibytes(server ? 32 * this.gpusPerPod : 4))),
    };
    const limits: Record<string, k8s.Quantity> = {};
    if (server) {
      limits[this.gpu.resourceName] = k8s.Quantity.fromNumber(this.gpusPerPod);
      if (this.rdma.resourceName !== undefined) limits[this.rdma.resourceName] = k8s.Quantity.fromNumber(this.rdma.count);
    }

    const volumeMounts: k8s.VolumeMount[] = [];
    const volumes: k8s.Volume[] = [];
    if (server && this.model !== undefined) {
      volumeMounts.push({ name: 'model', mountPath: this.model.mountPath, readOnly: true });
      volumes.push({ name: 'model', persistentVolumeClaim: { claimName: this.model.claimName, readOnly: true } });
      volumeMounts.push({ name: 'dshm', mountPath: '/dev/shm' });
      const shm = this.props.sharedMemory;
      volumes.push({
        name: 'dshm',
        emptyDir: { medium: 'Memory', sizeLimit: shm === undefined ? undefined : k8s.Quantity.fromString(formatQuantity(shm)) },
      });
    }

    const http = k8s.IntOrString.fromString('http');
    const probes = server ? {
      startupProbe: { httpGet: { path: '/health', port: http }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: this.startupFailureThreshold() },
      readinessProbe: { httpGet: { path: '/health', port: http }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      livenessProbe: { httpGet: { path: '/health', port: http }, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 6 },
    } : {
      readinessProbe: { httpGet: { path: '/readiness', port: http }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      livenessProbe: { httpGet: { path: '/liveness', port: http }, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3 },
    };

    const container: k8s.Container = {
      name: server ? 'sglang' : 'router',
      image: this.image,
      command: ['python3', '-m', server ? 'sglang.launch_server' : 'sglang_router.launch_router'],
      args: [...this.args, ...(this.options.extraArgs ?? [])],
      env: env.length > 0 ? env : undefined,
      ports,
      resources: { requests, limits: Object.keys(limits).length > 0 ? limits : undefined },
      volumeMounts: volumeMounts.length > 0 ? volumeMounts : undefined,
      securityContext: server && this.rdma.enabled ? { capabilities: { add: ['IPC_LOCK'] } } : undefined,
      ...probes,
    };
    return {
      metadata: { labels, annotations: Object.keys(annotations).length > 0 ? annotations : undefined },
      spec: {
        serviceAccountName: this.props.serviceAccountName,
        // A copy: cdk8s cannot serialize maps without a prototype (Object.create(null)).
        nodeSelector: this.props.nodeSelector === undefined ? undefined : { ...this.props.nodeSelector },
        containers: [container],
        volumes: volumes.length > 0 ? volumes : undefined,
      },
    };
  }

  private startupFailureThreshold(): number {
    const seconds = this.props.startupTimeout?.toSeconds()
      ?? 600 + 10 * Math.ceil(this.model?.model.weightsGigabytes ?? 0);
    return Math.max(1, Math.ceil(seconds / 10));
  }

  private validate(check: ProblemCollector): void {
    const p = this.props;
    if (!Object.values(SglangRoleKind).includes(p.kind)) {
      check.add('kind', p.kind, `must be one of ${Object.values(SglangRoleKind).join(', ')}`);
    }
    if (p.rbg !== undefined && !RbgTarget.ALL.includes(p.rbg)) {
      check.add('rbg', p.rbg, 'must be RbgTarget.V0_4, RbgTarget.V0_6 or RbgTarget.V0_7');
    }
    if (!isDnsLabel(this.roleName)) {
      check.add('roleName', this.roleName, 'must be a DNS-1123 label: lowercase a-z, 0-9 and "-", starting and ending alphanumeric');
    }
    check.integer('replicas', this.replicas, 1, MAX_REPLICAS);
    if (typeof this.image !== 'string' || this.image.length === 0 || /\s/.test(this.image)) {
      check.add('image', this.image, 'must be a container image reference without spaces, e.g. "lmsysorg/sglang:v0.5.18"');
    }
    check.integer('httpPort', this.httpPort, 1, 65535);
    if (this.bootstrapPort !== undefined) {
      check.integer('bootstrapPort', this.bootstrapPort, 1, 65535);
      if (this.bootstrapPort === this.httpPort) {
        check.add('bootstrapPort', this.bootstrapPort, `must differ from httpPort (${this.httpPort})`);
      }
    }
    if (p.cpu !== undefined && !(typeof p.cpu === 'number' && Number.isFinite(p.cpu) && p.cpu > 0 && Number.isInteger(p.cpu * 1000))) {
      check.add('cpu', p.cpu, 'must be a positive number of cores with at most 3 decimals, e.g. 8 or 0.5');
    }
    for (const [field, size] of [['memory', p.memory], ['sharedMemory', p.sharedMemory]] as const) {
      if (size !== undefined) {
        if (!isWholeKib(size)) check.add(field, formatQuantity(size), 'must be a positive whole number of KiB, at most 1 EiB, e.g. Size.gibibytes(64)');
      }
    }
    for (const name of Object.keys(this.env)) this.validateEnvVar(check, name);
    for (const [key, value] of Object.entries(p.nodeSelector ?? {})) {
      if (!isLabelKey(key)) check.add('nodeSelector', key, 'keys must be label keys: an optional DNS-1123 subdomain prefix and "/", then at most 63 characters of a-z, A-Z, 0-9, "-", "_" and ".", starting and ending alphanumeric');
      if (!isLabelValue(value)) check.add(`nodeSelector.${key}`, value, 'must be a label value: empty, or at most 63 characters of a-z, A-Z, 0-9, "-", "_" and ".", starting and ending alphanumeric');
    }
    if (p.extraArgs !== undefined && (!Array.isArray(p.extraArgs) || p.extraArgs.some((x) => typeof x !== 'string'))) {
      check.add('extraArgs', p.extraArgs, 'must be an array of strings');
    }
    if (p.startupTimeout !== undefined && !(p.startupTimeout.toSeconds() >= 10)) {
      check.add('startupTimeout', `${p.startupTimeout.toSeconds()}s`, 'must be at least 10 seconds');
    }
    this.validateNames(check);
    this.validateExtraArgs(check);
    if (this.isServer) {
      this.validateServer(check);
      const blocking = new Set(['model', 'gpu', 'gpu.memory', 'gpu.gpusPerNode', 'tensorParallelSize', 'dataParallelSize', 'expertParallelSize', 'memFractionStatic', 'contextLength', 'chunkedPrefillSize', 'kvCacheDtype']);
      // The volume reports bad model facts; fitting a model with bad facts only adds noise.
      const badModel = this.model instanceof QwenModelVolume && this.model.problems.some((x) => x.field.startsWith('model'));
      if (!badModel && !check.problems.some((x) => blocking.has(x.field))) this.validateFit(check);
    } else if (p.routing === undefined) {
      check.add('routing', undefined, 'a router role needs routing: its prefill and decode roles and the discovery mode');
    } else {
      if (!Object.values(RouterDiscovery).includes(p.routing.discovery)) {
        check.add('router.discovery', p.routing.discovery, 'must be RouterDiscovery.STATIC or RouterDiscovery.KUBERNETES');
      }
      if (p.routing.policy !== undefined && !Object.values(RouterPolicy).includes(p.routing.policy)) {
        check.add('router.policy', p.routing.policy, `must be one of ${Object.values(RouterPolicy).join(', ')}`);
      }
      const mp = p.routing.metricsPort ?? DEFAULT_ROUTER_METRICS_PORT;
      if (check.integer('router.metricsPort', mp, 1, 65535) && mp === this.httpPort) {
        check.add('router.metricsPort', mp, `must differ from httpPort (${this.httpPort})`);
      }
    }
  }

  private validateEnvVar(check: ProblemCollector, name: string): void {
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) check.add('env', name, 'environment variable names are letters, digits, "_", "-" and "." and do not start with a digit');
    if (RESERVED_ENV.includes(name)) check.add('env', name, 'is set by the library; choose another name');
    if (typeof this.env[name] !== 'string') check.add(`env.${name}`, this.env[name], 'must be a string');
  }

  /** Derived names must fit Kubernetes limits for the targeted controller (FACTS §2). */
  private validateNames(check: ProblemCollector): void {
    if (!isDnsLabel(this.groupName) || !isDnsLabel(this.roleName) || !RbgTarget.ALL.includes(this.rbg)) return;
    if (this.roleName.length > 44) {
      check.add('roleName', this.roleName, `is ${this.roleName.length} characters; RoleBasedGroup role names are limited to 44`);
    }
    const g = this.groupName;
    const r = this.roleName;
    const lastPod = this.rbg.podName(g, r, Math.max(0, (Number.isInteger(this.replicas) ? this.replicas : 1) - 1));
    const derived: Array<[string, string, number]> = [
      ['workload (StatefulSet) name', this.rbg.workloadName(g, r), 52],
      ['headless Service name', this.rbg.headlessServiceName(g, r), 63],
      ['pod hostname', lastPod, 63],
    ];
    for (const [what, name, max] of derived) {
      if (name.length > max) {
        check.add('roleName', r, `the ${what} "${name}" derived for RBG ${this.rbg.release} is ${name.length} characters, over the limit of ${max}; shorten the group or role name`);
      }
    }
  }

  /** `extraArgs` are checked against the pinned SGLang / router flag catalogs. */
  private validateExtraArgs(check: ProblemCollector): void {
    const extra = this.options.extraArgs;
    if (extra === undefined || !Array.isArray(extra) || extra.some((x) => typeof x !== 'string')) return;
    if (!Object.values(SglangRoleKind).includes(this.kind)) return;
    for (const p of checkExtraArgs(this.kind, extra, new Set(this.typedFlags))) {
      const problem = { path: this.node.path, field: 'extraArgs', value: JSON.stringify(p.flag), message: p.message };
      if (p.severity === 'error') check.problems.push(problem);
      else this.warnings.push(problem);
    }
  }

  /** Model-aware rules: parallelism, memory fit, context, node size, RDMA. */
  private validateFit(check: ProblemCollector): void {
    const model = this.model!.model;
    const tp = this.tensorParallelSize;
    const o = this.options;
    if (model.attentionHeads % tp !== 0) {
      check.add('tensorParallelSize', tp, `must divide the ${model.attentionHeads} attention heads of ${model.name}; valid: ${divisors(model.attentionHeads).filter((d) => d <= 64).join(', ')}`);
      return;
    }
    if (tp > model.kvHeads) {
      this.warn('tensorParallelSize', tp, `is above the ${model.kvHeads} KV heads of ${model.name}: each KV head is replicated on ${tp / model.kvHeads} GPUs, so KV memory per token does not shrink further`);
    }
    const ep = o.expertParallelSize;
    if (ep !== undefined) {
      if (model.moe === undefined) {
        check.add('expertParallelSize', ep, `applies to mixture-of-experts models only; ${model.name} is dense`);
      } else if (model.moe.experts % ep !== 0 || this.gpusPerPod % ep !== 0) {
        check.add('expertParallelSize', ep, `must divide both the ${model.moe.experts} experts of ${model.name} and the ${this.gpusPerPod} GPUs of a pod`);
      }
    }
    if (this.gpusPerPod > this.gpu.gpusPerNode) {
      check.add('tensorParallelSize', tp, `TP x DP = ${this.gpusPerPod} GPUs per pod, but a ${this.gpu.name} node has ${this.gpu.gpusPerNode}; a pod cannot span nodes`);
    }
    const contextLength = o.contextLength;
    if (contextLength !== undefined && contextLength > model.nativeContextLength && o.modelOverrideArgs?.rope_scaling === undefined) {
      check.add('contextLength', contextLength, `exceeds the native ${model.nativeContextLength} tokens of ${model.name}; set modelOverrideArgs with a YaRN rope_scaling (and max_position_embeddings) on prefill and decode`);
    }
    const c = this.capacity!;
    const gpuMem = this.gpu.memoryBytes;
    const arithmetic = `${c.memFractionStatic} x ${gib(gpuMem)} (${this.gpu.name}) = ${gib(c.usableBytes)} usable per GPU`
      + `${c.memFractionEstimated ? ' (memFractionStatic estimated as SGLang picks it)' : ''}; weights ${gib(model.weightsBytes)} / TP ${tp} = ${gib(c.weightsPerGpuBytes)} per GPU`;
    if (c.kvPoolPerGpuBytes < MIN_KV_POOL_BYTES) {
      check.add('tensorParallelSize', tp, `${model.name} does not fit: ${arithmetic}, leaving ${gib(c.kvPoolPerGpuBytes)} for the KV cache, below the minimum ${gib(MIN_KV_POOL_BYTES)}; use a larger TP, a GPU with more memory, or a higher memFractionStatic`);
      return;
    }
    if (this.kind === SglangRoleKind.DECODE && c.fullContextRequestsPerInstance < 1) {
      check.add('contextLength', c.contextLength, `a decode instance cannot hold one request of ${c.contextLength} tokens: ${arithmetic}, KV pool ${gib(c.kvPoolPerGpuBytes)} per GPU / ${c.kvBytesPerTokenPerGpu} bytes per token = ${c.kvTokensPerInstance / this.dataParallelSize} tokens; lower contextLength, use fp8 KV cache, a larger TP or bigger GPUs`);
    }
  }

  private warn(field: string, value: unknown, message: string): void {
    this.warnings.push({ path: this.node.path, field, value: typeof value === 'string' ? JSON.stringify(value) : String(value), message });
  }

  private validateServer(check: ProblemCollector): void {
    const p = this.props;
    if (!(p.model instanceof QwenModelVolume)) {
      check.add('model', p.model, 'prefill and decode roles need a QwenModelVolume');
    }
    if (!(this.gpu instanceof GpuProfile)) {
      check.add('gpu', p.gpu, 'must be a GpuProfile, e.g. GpuProfile.L20 or GpuProfile.custom({...})');
    } else {
      if (!(this.gpu.memoryBytes >= 1024 ** 3 && this.gpu.memoryBytes <= 1024 ** 4 * 64)) check.add('gpu.memory', formatQuantity(this.gpu.memory), 'must be from 1 GiB to 64 TiB, e.g. Size.gibibytes(48)');
      check.integer('gpu.gpusPerNode', this.gpu.gpusPerNode, 1, 64);
      if (!isExtendedResourceName(this.gpu.resourceName)) {
        check.add('gpu.resourceName', this.gpu.resourceName, 'must be an extended resource name with a domain prefix, e.g. "nvidia.com/gpu" or "amd.com/gpu"');
      }
    }
    check.integer('tensorParallelSize', this.tensorParallelSize, 1, 64);
    check.integer('dataParallelSize', this.dataParallelSize, 1, 64);
    if (p.enableDpAttention !== undefined && typeof p.enableDpAttention !== 'boolean') {
      check.add('enableDpAttention', p.enableDpAttention, 'must be true or false');
    } else if (p.enableDpAttention === true && Number.isInteger(this.dataParallelSize) && Number.isInteger(this.tensorParallelSize)
      && (this.dataParallelSize < 2 || this.tensorParallelSize % this.dataParallelSize !== 0)) {
      check.add('dataParallelSize', this.dataParallelSize, `with enableDpAttention must be at least 2 and divide tensorParallelSize (${this.tensorParallelSize})`);
    }
    if (p.expertParallelSize !== undefined) check.integer('expertParallelSize', p.expertParallelSize, 1, 1024);
    if (p.memFractionStatic !== undefined && !(typeof p.memFractionStatic === 'number' && p.memFractionStatic > 0 && p.memFractionStatic < 1)) {
      check.add('memFractionStatic', p.memFractionStatic, 'must be a number between 0 and 1 (exclusive), e.g. 0.85');
    }
    for (const field of ['contextLength', 'chunkedPrefillSize', 'maxRunningRequests', 'pageSize'] as const) {
      const v = p[field];
      if (v !== undefined) check.integer(field, v, 1, 16_777_216);
    }
    if (p.kvCacheDtype !== undefined && !Object.values(KvCacheDtype).includes(p.kvCacheDtype)) {
      check.add('kvCacheDtype', p.kvCacheDtype, `must be one of ${Object.values(KvCacheDtype).join(', ')}`);
    }
    if (!Object.values(TransferBackend).includes(this.transferBackend as TransferBackend)) {
      check.add('transferBackend', this.transferBackend, `must be one of ${Object.values(TransferBackend).join(', ')}`);
    }
    if (!(this.rdma instanceof RdmaProfile)) {
      check.add('rdma', p.rdma, 'must be an RdmaProfile, e.g. RdmaProfile.erdma()');
    } else if (this.rdma.enabled) {
      if (!isExtendedResourceName(this.rdma.resourceName)) {
        check.add('rdma.resourceName', this.rdma.resourceName, 'must be an extended resource name with a domain prefix, such as "aliyun/erdma" or "rdma/hca"');
      } else if (this.gpu instanceof GpuProfile && this.rdma.resourceName === this.gpu.resourceName) {
        check.add('rdma.resourceName', this.rdma.resourceName, `is also the GPU resource of ${this.gpu.name}; the RDMA device needs its own resource`);
      }
      check.integer('rdma.count', this.rdma.count, 1, 64);
    }
    if (this.rdma instanceof RdmaProfile && this.transferBackend !== undefined) {
      const needsRdma = RDMA_BACKENDS.includes(this.transferBackend);
      if (needsRdma && !this.rdma.enabled) {
        check.add('transferBackend', this.transferBackend, 'needs RDMA but the RDMA profile is RdmaProfile.none(); use TransferBackend.MOONCAKE_TCP or an RDMA profile such as RdmaProfile.erdma()');
      } else if (!this.rdma.enabled) {
        this.warn('rdma', 'none', `degraded: KV cache moves over TCP (${this.transferBackend}), far slower than RDMA; for functional tests only`);
      } else if (!needsRdma) {
        this.warn('transferBackend', this.transferBackend, `does not use RDMA, yet every pod requests ${this.rdma.resourceName}; the KV cache moves over TCP`);
      }
    }
    const ib = p.ibDevice ?? this.rdma?.ibDevice;
    if (ib !== undefined && !/^[A-Za-z0-9_.:-]+(,[A-Za-z0-9_.:-]+)*$/.test(ib)) {
      check.add('ibDevice', ib, 'must be a comma-separated list of RDMA device names, e.g. "mlx5_0,mlx5_1"');
    }
    for (const field of ['reasoningParser', 'toolCallParser', 'servedModelName'] as const) {
      const v = p[field];
      if (v !== undefined && (typeof v !== 'string' || v.length === 0 || /\s/.test(v))) {
        check.add(field, v, 'must be a non-empty string without spaces');
      }
    }
    for (const [field, flag] of [['reasoningParser', '--reasoning-parser'], ['toolCallParser', '--tool-call-parser']] as const) {
      const v = p[field];
      const choices = lookupFlag('server', flag)?.choices;
      if (typeof v === 'string' && choices !== undefined && !choices.includes(v)) {
        check.add(field, v, `is not a ${flag} of SGLang v0.5.18; choose one of ${choices.join(', ')}`);
      }
    }
    if (p.modelOverrideArgs !== undefined && (typeof p.modelOverrideArgs !== 'object' || p.modelOverrideArgs === null || Array.isArray(p.modelOverrideArgs))) {
      check.add('modelOverrideArgs', p.modelOverrideArgs, 'must be a JSON object, e.g. { rope_scaling: {...} }');
    }
  }
}

/** Environment variables the library sets itself. */
const RESERVED_ENV: readonly string[] = ['SGLANG_HOST_IP', 'POD_NAMESPACE'];

/** Transfer backends that move the KV cache over RDMA. */
const RDMA_BACKENDS: readonly string[] = ['mooncake', 'nixl', 'mori'];

/** Server flags owned by typed props (or set by the library). */
const SERVER_TYPED_FLAGS = [
  '--model-path', '--tp-size', '--dp-size', '--enable-dp-attention', '--ep-size', '--disaggregation-mode', '--host', '--port',
  '--disaggregation-bootstrap-port', '--disaggregation-transfer-backend', '--disaggregation-ib-device',
  '--mem-fraction-static', '--context-length', '--chunked-prefill-size', '--max-running-requests', '--page-size',
  '--kv-cache-dtype', '--json-model-override-args', '--served-model-name', '--reasoning-parser', '--tool-call-parser',
  '--trust-remote-code', '--enable-metrics',
];

/** Router flags owned by typed props (or derived from the topology). */
const ROUTER_TYPED_FLAGS = [
  '--pd-disaggregation', '--service-discovery', '--service-discovery-namespace', '--service-discovery-port',
  '--prefill-selector', '--decode-selector', '--prefill', '--decode', '--host', '--port', '--policy',
  '--prometheus-host', '--prometheus-port',
];

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/** Most pods a role may have; the static router lists one URL per pod. */
const MAX_REPLICAS = 1000;

/** Default port of the router's Prometheus metrics. */
const DEFAULT_ROUTER_METRICS_PORT = 29000;

/** Default SGLang image. */
export const DEFAULT_IMAGE = 'lmsysorg/sglang:v0.5.18';

/**
 * What one role runs.
 */
export enum SglangRoleKind {
  /** SGLang server with `--disaggregation-mode prefill`. */
  PREFILL = 'prefill',
  /** SGLang server with `--disaggregation-mode decode`. */
  DECODE = 'decode',
  /** `sglang_router.launch_router --pd-disaggregation`. */
  ROUTER = 'router',
}

/**
 * Values of `--kv-cache-dtype`.
 */
export enum KvCacheDtype {
  /** The model's dtype. */
  AUTO = 'auto',
  /** FP8 E5M2. */
  FP8_E5M2 = 'fp8_e5m2',
  /** FP8 E4M3. */
  FP8_E4M3 = 'fp8_e4m3',
  /** bfloat16. */
  BF16 = 'bf16',
}

/**
 * Values of `--disaggregation-transfer-backend`.
 */
export enum TransferBackend {
  /** Mooncake over RDMA (SGLang's default). */
  MOONCAKE = 'mooncake',
  /** NVIDIA NIXL. */
  NIXL = 'nixl',
  /** Mooncake over TCP: no RDMA needed, much slower. */
  MOONCAKE_TCP = 'mooncake_tcp',
  /** Huawei Ascend. */
  ASCEND = 'ascend',
  /** AMD MORI. */
  MORI = 'mori',
}

/**
 * How the router finds prefill and decode workers.
 */
export enum RouterDiscovery {
  /** One `--prefill`/`--decode` URL per pod, computed from the topology (as in the ACK tutorial). */
  STATIC = 'static',
  /** Kubernetes service discovery by pod labels; the router needs RBAC to watch pods. */
  KUBERNETES = 'kubernetes',
}

/**
 * Load-balancing policies of the router (`--policy`).
 */
export enum RouterPolicy {
  /** `random`: a worker picked at random. */
  RANDOM = 'random',
  /** `round_robin`: workers in turn. */
  ROUND_ROBIN = 'round_robin',
  /** `cache_aware` (the router's default): the worker with the longest cached prompt prefix, unless the load is unbalanced. */
  CACHE_AWARE = 'cache_aware',
  /** `power_of_two`: the less loaded of two workers picked at random. */
  POWER_OF_TWO = 'power_of_two',
  /** `bucket`: request buckets whose boundaries the router recalculates periodically (`--bucket-adjust-interval-secs`). */
  BUCKET = 'bucket',
  /** `manual`: a routing key sticks to the worker it was assigned to (`--assignment-mode`, `--max-idle-secs`). */
  MANUAL = 'manual',
  /** `consistent_hashing`: requests hashed onto a ring of workers. */
  CONSISTENT_HASHING = 'consistent_hashing',
  /** `prefix_hash`: workers chosen by a hash of the first prompt tokens, within a load factor (`--prefix-hash-load-factor`). */
  PREFIX_HASH = 'prefix_hash',
}

/**
 * What a router role routes to.
 */
export interface RouterWiring {
  /** Discovery mode. */
  readonly discovery: RouterDiscovery;
  /** The prefill role. */
  readonly prefill: SglangRole;
  /** The decode role. */
  readonly decode: SglangRole;
  /**
   * `--policy`.
   * @default - the router's default (cache_aware)
   */
  readonly policy?: RouterPolicy;
  /**
   * Port of the router's Prometheus metrics (`--prometheus-port`), named `metrics`.
   * @default 29000
   */
  readonly metricsPort?: number;
}

/** JSON with sorted keys, so the same object always gives the same flag value. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
    : v));
}
