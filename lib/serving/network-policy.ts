import { k8s } from '../rbg/k8s';
import { Construct } from 'constructs';
import { groupLabels } from './labels';
import { LabelSelector, toKubeSelector } from './label-selector';
import type { PdServingGroup } from './pd-serving-group';
import { SglangRole } from './sglang-role';
import { groupChildName } from '../util/names';

/**
 * Which pods may reach a group's pods. By default every group is isolated: clients reach only
 * the router's HTTP port, the router reaches the HTTP ports of prefill and decode, and prefill
 * and decode reach each other for the KV cache; every other connection to those pods is denied.
 *
 * Only ingress is restricted. Egress stays open: pods resolve DNS, the Kubernetes-discovery router
 * calls the API server, and the model volume is mounted by the node, not the pod.
 */
export interface NetworkIsolationOptions {
  /**
   * Emit the NetworkPolicies. Set to false to leave the group's pods open to the whole cluster
   * (for example when another policy engine manages them).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Pods that may call the router (its HTTP port only). `{}` selects every pod.
   * @default - every pod of the group's namespace (`{}`)
   */
  readonly clients?: LabelSelector;
  /**
   * Namespaces the `clients` may be in. `{}` selects every namespace.
   * @default - the group's namespace only
   */
  readonly clientNamespaces?: LabelSelector;
  /**
   * Pods that may scrape metrics: the HTTP port of prefill and decode (which serves `/metrics`,
   * and the API too) and the router's metrics port.
   * @default - none: scraping is denied
   */
  readonly metricsScrapers?: LabelSelector;
  /**
   * Namespaces the `metricsScrapers` may be in. `{}` selects every namespace.
   * @default - the group's namespace only
   */
  readonly metricsScraperNamespaces?: LabelSelector;
}

/**
 * TCP ports prefill and decode open to each other besides the bootstrap port, for the KV cache:
 * every non-privileged port. SGLang's transfer backends listen on ports chosen at start-up, not
 * on fixed ones — the Mooncake and NIXL side channels bind ZMQ sockets to random free ports, the
 * Mooncake transfer engine's handshake RPC takes a free port, and `mooncake_tcp` moves the KV
 * data itself over TCP on such ports — so no narrower list would hold. RDMA traffic (eRDMA,
 * InfiniBand, RoCE) bypasses the kernel network stack, and NetworkPolicies do not apply to it.
 */
export const KV_TRANSFER_PORTS = {
  /** Lowest port of the range. */
  first: 1024,
  /** Highest port of the range. */
  last: 65535,
} as const;

/** One role as its policy sees it. @internal */
export interface PolicyRole {
  readonly roleName: string;
  readonly podSelector: Record<string, string>;
  readonly httpPort: number;
  /** True when the role's instances span several pods (leader and workers talk on any port). */
  readonly multiNode: boolean;
}

/** Props of the group's policy set. @internal */
export interface GroupNetworkPoliciesProps {
  readonly groupName: string;
  readonly labels: Record<string, string>;
  readonly router: PolicyRole & { readonly metricsPort: number };
  readonly prefill: PolicyRole & { readonly bootstrapPort: number };
  readonly decode: PolicyRole;
  readonly options: NetworkIsolationOptions;
}

/**
 * The NetworkPolicies of one group, one per role (`<group>-<role>`), each selecting that role's
 * pods by the labels the controller puts on them and listing what may reach them.
 * @internal
 */
export class GroupNetworkPolicies extends Construct {
  /**
   * The policies of a group's roles, none when isolation is off.
   * @param group the group, its roles defined
   * @param options valid isolation options (the group reports invalid ones)
   */
  public static _forGroup(group: PdServingGroup, options: NetworkIsolationOptions): k8s.KubeNetworkPolicy[] {
    if (options.enabled === false) return [];
    const role = (r: SglangRole, multiNode = false): PolicyRole => ({ roleName: r.roleName, podSelector: r.podSelector, httpPort: r.httpPort, multiNode });
    return new GroupNetworkPolicies(group, 'NetworkPolicies', {
      groupName: group.name,
      labels: groupLabels(group.name),
      router: { ...role(group.router), metricsPort: group.router.metricsPort },
      prefill: { ...role(group.prefill, group.prefill.multiNode), bootstrapPort: group.prefill.bootstrapPort },
      decode: role(group.decode, group.decode.multiNode),
      options,
    }).policies;
  }

  /** The policies, router first. */
  public readonly policies: k8s.KubeNetworkPolicy[];

  constructor(scope: Construct, id: string, props: GroupNetworkPoliciesProps) {
    super(scope, id);
    const { router, prefill, decode } = props;
    const o = props.options;
    const peer = (pods: LabelSelector | undefined, namespaces: LabelSelector | undefined): k8s.NetworkPolicyPeer => ({
      podSelector: toKubeSelector(pods ?? {}),
      namespaceSelector: namespaces === undefined ? undefined : toKubeSelector(namespaces),
    });
    const pods = (r: PolicyRole): k8s.NetworkPolicyPeer => ({ podSelector: { matchLabels: { ...r.podSelector } } });
    const tcp = (port: number, endPort?: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port), endPort });
    const kv = tcp(KV_TRANSFER_PORTS.first, KV_TRANSFER_PORTS.last);
    const scrapers = o.metricsScrapers === undefined ? undefined : peer(o.metricsScrapers, o.metricsScraperNamespaces);
    const sameRole = (r: PolicyRole): k8s.NetworkPolicyIngressRule[] => (r.multiNode ? [{ from: [pods(r)] }] : []);
    const scrape = (port: number): k8s.NetworkPolicyIngressRule[] => (scrapers === undefined ? [] : [{ from: [scrapers], ports: [tcp(port)] }]);
    const policy = (id: string, r: PolicyRole, ingress: k8s.NetworkPolicyIngressRule[]): k8s.KubeNetworkPolicy => new k8s.KubeNetworkPolicy(this, id, {
      metadata: { name: groupChildName(props.groupName, r.roleName), labels: { ...props.labels } },
      spec: { podSelector: { matchLabels: { ...r.podSelector } }, policyTypes: ['Ingress'], ingress },
    });
    this.policies = [
      policy('Router', router, [
        { from: [peer(o.clients, o.clientNamespaces)], ports: [tcp(router.httpPort)] },
        ...scrape(router.metricsPort),
      ]),
      policy('Prefill', prefill, [
        { from: [pods(router)], ports: [tcp(prefill.httpPort)] },
        // Decode fetches each request's KV location from the bootstrap server, then the KV cache.
        { from: [pods(decode)], ports: [tcp(prefill.bootstrapPort), kv] },
        ...sameRole(prefill),
        ...scrape(prefill.httpPort),
      ]),
      policy('Decode', decode, [
        { from: [pods(router)], ports: [tcp(decode.httpPort)] },
        { from: [pods(prefill)], ports: [kv] },
        ...sameRole(decode),
        ...scrape(decode.httpPort),
      ]),
    ];
  }
}
