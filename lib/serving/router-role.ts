import { Size } from 'cdk8s';
import { Construct } from 'constructs';
import { DEFAULT_ROUTER_METRICS_PORT, RouterDiscovery, RouterPolicy } from '../sglang/router-options';
import { NAMESPACE_ENV, routerArgs } from '../sglang/router-args';
import { Finding, Findings } from '../validation/findings';
import { MAX_REPLICAS } from '../validation/pod-rules';
import { DecodeRole } from './decode-role';
import { PodParts, httpProbe } from './pod-template';
import { PrefillRole } from './prefill-role';
import { SglangRole, SglangRoleProps } from './sglang-role';
import { ownedProps } from '../util/copy';

/**
 * Props of a router role.
 */
export interface RouterRoleProps extends SglangRoleProps {
  /** The prefill role the router sends prompts to. */
  readonly prefill: PrefillRole;
  /** The decode role the router sends generation to. */
  readonly decode: DecodeRole;
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
   * Port of the router's Prometheus metrics (`--prometheus-port`), named `metrics`.
   * @default 29000
   */
  readonly metricsPort?: number;
  /**
   * Further `sglang_router.launch_router` arguments, full flag names. Copied; add more with
   * `addExtraArgs`.
   * @default - none
   */
  readonly extraArgs?: string[];
}

/**
 * The SGLang router (`python3 -m sglang_router.launch_router --pd-disaggregation`): it splits each
 * request between a prefill and a decode server. Its worker list (static URLs or discovery
 * selectors) is derived from the two roles and the targeted controller release.
 */
export class RouterRole extends SglangRole {
  /** The router runs no GPU. */
  public readonly gpusPerPod = 0;
  /** How the router finds its workers. */
  public readonly discovery: RouterDiscovery;
  /** The prefill role. */
  public readonly prefill: PrefillRole;
  /** The decode role. */
  public readonly decode: DecodeRole;
  /** Load-balancing policy, if set. */
  public readonly policy?: RouterPolicy;
  /** Port of the router's Prometheus metrics. */
  public readonly metricsPort: number;

  /**
   * Defines a router role; its problems are reported when the app is synthesized.
   * @param scope parent construct, normally a PdServingGroup
   * @param id construct id
   * @param props workers and routing
   */
  constructor(scope: Construct, id: string, props: RouterRoleProps) {
    const p: RouterRoleProps = ownedProps(props);
    super(scope, id, p, 'router', p.extraArgs);
    this.prefill = p.prefill;
    this.decode = p.decode;
    this.discovery = p.discovery ?? RouterDiscovery.STATIC;
    this.policy = p.policy;
    this.metricsPort = p.metricsPort ?? DEFAULT_ROUTER_METRICS_PORT;
  }

  /** True when the router discovers its workers through the Kubernetes API. */
  public get usesKubernetesDiscovery(): boolean {
    return this.discovery === RouterDiscovery.KUBERNETES;
  }

  /** Command-line arguments of the router (typed flags; `extraArgs` follow them). */
  public get args(): string[] {
    const { prefill, decode } = this;
    // Replicas out of range are reported by their role; listing a million URLs would help nobody.
    const count = (r: SglangRole) => (Number.isInteger(r.replicas) && r.replicas >= 1 && r.replicas <= MAX_REPLICAS ? r.replicas : 0);
    return routerArgs({
      kubernetesDiscovery: this.usesKubernetesDiscovery,
      workers: {
        prefillUrls: Array.from({ length: count(prefill) }, (_, i) => [prefill.podUrl(i), prefill.bootstrapPort] as const),
        decodeUrls: Array.from({ length: count(decode) }, (_, i) => decode.podUrl(i)),
        // Workers of a multi-node instance serve no API: discovery selects the leaders only.
        prefillSelector: prefill.servingPodSelector,
        decodeSelector: decode.servingPodSelector,
        workerPort: prefill.httpPort,
      },
      httpPort: this.httpPort,
      policy: this.policy,
      metricsPort: this.metricsPort,
    });
  }

  /** @internal */
  protected get flagRole(): 'router' {
    return 'router';
  }

  /** @internal */
  protected findings(): Finding[] {
    const f = new Findings();
    if (!(this.prefill instanceof PrefillRole)) f.error('prefill', this.prefill, 'must be a PrefillRole');
    if (!(this.decode instanceof DecodeRole)) f.error('decode', this.decode, 'must be a DecodeRole');
    f.oneOf('router.discovery', this.discovery, Object.values(RouterDiscovery), 'RouterDiscovery.STATIC or RouterDiscovery.KUBERNETES');
    if (this.policy !== undefined) f.oneOf('router.policy', this.policy, Object.values(RouterPolicy), 'a RouterPolicy');
    if (f.integer('router.metricsPort', this.metricsPort, 1, 65535) && this.metricsPort === this.httpPort) {
      f.error('router.metricsPort', this.metricsPort, `must differ from httpPort (${this.httpPort})`);
    }
    // Only valid ports are compared: a port of the wrong kind is reported by its role.
    const ports = this.prefill instanceof PrefillRole && this.decode instanceof DecodeRole ? [this.prefill.httpPort, this.decode.httpPort] : [];
    if (this.usesKubernetesDiscovery && ports.length === 2 && ports.every((port) => Number.isInteger(port)) && ports[0] !== ports[1]) {
      f.error('router.discovery', this.discovery, `Kubernetes discovery uses one worker port, but prefill listens on ${ports[0]} and decode on ${ports[1]}`);
    }
    return [...super.findings(), ...f.list];
  }

  /** @internal */
  protected podParts(): PodParts {
    return {
      ...this.commonParts(),
      containerName: 'router',
      module: 'sglang_router.launch_router',
      launchArgs: this.args,
      libraryEnv: this.usesKubernetesDiscovery
        ? [{ name: NAMESPACE_ENV, valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }]
        : [],
      ports: [
        { name: 'http', containerPort: this.httpPort, protocol: 'TCP' },
        { name: 'metrics', containerPort: this.metricsPort, protocol: 'TCP' },
      ],
      requests: this.requests(2, Size.gibibytes(4)),
      limits: {},
      addCapabilities: [],
      // Only Kubernetes discovery reads the API (pods get/list/watch); a static router needs no token.
      automountServiceAccountToken: this.usesKubernetesDiscovery,
      volumeMounts: [],
      volumes: [],
      readinessProbe: httpProbe('/readiness', 10, 5, 3),
      livenessProbe: httpProbe('/liveness', 30, 10, 3),
    };
  }
}
