/**
 * Prometheus Operator monitoring of a group: a PodMonitor (or a ServiceMonitor and the metrics
 * Service it needs) that scrapes the SGLang servers' `/metrics` on their `http` port and the
 * router's Prometheus listener on its `metrics` port, keeping group and role as labels.
 *
 * The objects are plain ApiObjects built from the typed interfaces below rather than generated
 * classes: the library emits a handful of fields of these CRDs, and the schema test layer checks
 * every emitted object against the pinned CRD (prometheus-operator v0.93.0).
 */
import { ApiObject, Duration, Lazy } from 'cdk8s';
import { k8s } from '../rbg/k8s';
import { Construct } from 'constructs';
import { ownedProps } from '../util/copy';
import { durationSeconds } from '../util/duration';
import { monitoringRules } from '../validation/monitoring-rules';
import { addRules } from '../validation/register';
import { featureLabels } from './labels';
import type { PdServingGroup } from './pd-serving-group';
import { groupChildName } from '../util/names';

/** API version of the Prometheus Operator's monitors. */
export const PROMETHEUS_OPERATOR_API_VERSION = 'monitoring.coreos.com/v1';

/**
 * Which Prometheus Operator object scrapes the group.
 */
export enum MonitorKind {
  /** A PodMonitor: Prometheus scrapes the pods directly (no Service needed). */
  POD_MONITOR = 'PodMonitor',
  /** A ServiceMonitor plus a headless metrics Service `<group>-metrics`, for setups that only select ServiceMonitors. */
  SERVICE_MONITOR = 'ServiceMonitor',
}

/**
 * Options of `PdServingGroup.enableMonitoring`.
 */
export interface MonitoringOptions {
  /**
   * PodMonitor, or ServiceMonitor with a metrics Service.
   * @default MonitorKind.POD_MONITOR
   */
  readonly kind?: MonitorKind;
  /**
   * Scrape interval (whole seconds, up to 1 hour).
   * @default - the Prometheus' own scrape interval
   */
  readonly interval?: Duration;
  /**
   * Extra labels of the monitor object, so that your Prometheus' `podMonitorSelector` or
   * `serviceMonitorSelector` picks it (e.g. `{ release: 'prometheus' }`).
   * @default - the group's labels only
   */
  readonly labels?: Record<string, string>;
  /**
   * Also scrape the router's Prometheus listener (its port named `metrics`).
   * @default true
   */
  readonly scrapeRouter?: boolean;
}

/**
 * Props of a GroupMonitoring.
 */
export interface GroupMonitoringProps extends MonitoringOptions {
  /** The group to scrape. */
  readonly group: PdServingGroup;
}

/** A Prometheus relabeling (the fields this library uses). */
interface RelabelConfig {
  readonly action: 'keep' | 'replace';
  readonly sourceLabels: string[];
  readonly regex?: string;
  readonly targetLabel?: string;
}

/** One scrape endpoint of a PodMonitor (`podMetricsEndpoints[]`) or ServiceMonitor (`endpoints[]`). */
interface ScrapeEndpoint {
  readonly port: string;
  readonly path: string;
  readonly interval?: string;
  readonly relabelings: RelabelConfig[];
}

/** The spec of either monitor. */
interface MonitorSpec {
  readonly selector: { readonly matchLabels: Record<string, string> };
  readonly podMetricsEndpoints?: ScrapeEndpoint[];
  readonly endpoints?: ScrapeEndpoint[];
}

/** Port name of the SGLang servers' API and `/metrics` (and of the router's API). */
const HTTP_PORT_NAME = 'http';
/** Port name of the router's Prometheus listener. */
const METRICS_PORT_NAME = 'metrics';
/** Path both serve their metrics on. */
const METRICS_PATH = '/metrics';
/** Target labels the relabelings write. */
export const MONITORING_GROUP_LABEL = 'group';
/** Target label holding the role name. */
export const MONITORING_ROLE_LABEL = 'role';

/**
 * The meta label Prometheus' Kubernetes discovery gives a pod label: `__meta_kubernetes_pod_label_`
 * and the key with every character outside [a-zA-Z0-9_] replaced by `_`.
 * @internal
 */
export function podLabelMeta(key: string): string {
  return `__meta_kubernetes_pod_label_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

const MONITORING_ID = 'Monitoring';

/**
 * Prometheus Operator monitoring of one PdServingGroup: `PodMonitor <group>` (or
 * `ServiceMonitor <group>` with the headless Service `<group>-metrics`), selecting the group's
 * pods by the label the targeted controller puts on them. One endpoint scrapes `/metrics` on the
 * port named `http` of the prefill and decode pods (one endpoint per role when a role has
 * multi-node instances: only their leaders are scraped, the workers serve no HTTP), another
 * `/metrics` on the router's port named `metrics`; relabelings keep only the intended role on each
 * and copy the group and role names into the `group` and `role` labels of every series.
 */
export class GroupMonitoring extends Construct {
  /** Which monitor is emitted. */
  public readonly kind: MonitorKind;
  /** The PodMonitor or ServiceMonitor. */
  public readonly monitor: ApiObject;
  /** The metrics Service, with `MonitorKind.SERVICE_MONITOR`. */
  public readonly metricsService?: ApiObject;

  private readonly props: GroupMonitoringProps;
  private repeated = 0;

  /**
   * Defines the monitor of a group; bad options fail the synth. Normally created by
   * `group.enableMonitoring()`.
   * @param scope the group
   * @param id construct id
   * @param props the group and the options (copied)
   */
  constructor(scope: Construct, id: string, props: GroupMonitoringProps) {
    super(scope, id);
    const p: GroupMonitoringProps = ownedProps(props);
    this.props = Object.freeze(p);
    this.kind = p.kind === MonitorKind.SERVICE_MONITOR ? MonitorKind.SERVICE_MONITOR : MonitorKind.POD_MONITOR;
    const group = p.group;
    const name = group.name;
    const labels = { ...featureLabels(name, 'monitoring'), ...labelsOrEmpty(this.props.labels) };
    if (this.kind === MonitorKind.SERVICE_MONITOR) {
      this.metricsService = new k8s.KubeService(this, 'MetricsService', {
        metadata: { name: groupChildName(name, 'metrics'), labels: featureLabels(name, 'metrics') },
        spec: Lazy.any({ produce: (): k8s.ServiceSpec => this.metricsServiceSpec() }),
      });
    }
    this.monitor = new ApiObject(this, 'Resource', {
      apiVersion: PROMETHEUS_OPERATOR_API_VERSION,
      kind: this.kind,
      metadata: { name, labels },
      spec: Lazy.any({ produce: (): MonitorSpec => this.spec() }),
    });
    addRules(this, () => monitoringRules({
      kind: p.kind,
      kinds: Object.values(MonitorKind),
      interval: p.interval,
      labels: this.props.labels,
      scrapeRouter: p.scrapeRouter,
      repeatedCalls: this.repeated,
      servers: [group.prefill, group.decode].map((r) => ({ roleName: r.roleName, enableMetrics: r.options.enableMetrics })),
      scrapingDenied: group.networkPolicies.length > 0 && group._isolation.metricsScrapers === undefined,
    }));
  }

  /** True unless `scrapeRouter` is false. */
  public get scrapesRouter(): boolean {
    return this.props.scrapeRouter !== false;
  }

  /** @internal `group.enableMonitoring()` once, whatever the number of calls (more are reported). */
  public static _enable(group: PdServingGroup, options: MonitoringOptions): GroupMonitoring {
    const existing = group.node.tryFindChild(MONITORING_ID);
    if (existing instanceof GroupMonitoring) {
      existing.repeated++;
      return existing;
    }
    return new GroupMonitoring(group, MONITORING_ID, { ...(options ?? {}), group });
  }

  private spec(): MonitorSpec {
    const group = this.props.group;
    const rbg = group.rbg;
    const seconds = durationSeconds(this.props.interval);
    const interval = this.props.interval === undefined ? undefined : `${seconds}s`;
    const labelsOf = (roles: string[], only: Record<string, string> = {}): RelabelConfig[] => [
      { action: 'keep', sourceLabels: [podLabelMeta(rbg.roleLabel)], regex: roles.join('|') },
      ...Object.entries(only).map(([key, value]): RelabelConfig => ({ action: 'keep', sourceLabels: [podLabelMeta(key)], regex: value })),
      { action: 'replace', sourceLabels: [podLabelMeta(rbg.groupLabel)], targetLabel: MONITORING_GROUP_LABEL },
      { action: 'replace', sourceLabels: [podLabelMeta(rbg.roleLabel)], targetLabel: MONITORING_ROLE_LABEL },
    ];
    const servers = [group.prefill, group.decode];
    // Only the leader of a multi-node instance serves HTTP: its workers are left out by the
    // labels the leaders alone carry, which needs one endpoint per role.
    const endpoints: ScrapeEndpoint[] = servers.some((r) => r.multiNode)
      ? servers.map((r) => ({ port: HTTP_PORT_NAME, path: METRICS_PATH, interval, relabelings: labelsOf([r.roleName], withoutKeys(r.servingPodSelector, r.podSelector)) }))
      : [{ port: HTTP_PORT_NAME, path: METRICS_PATH, interval, relabelings: labelsOf(servers.map((r) => r.roleName)) }];
    if (this.scrapesRouter) endpoints.push({ port: METRICS_PORT_NAME, path: METRICS_PATH, interval, relabelings: labelsOf([group.router.roleName]) });
    if (this.kind === MonitorKind.SERVICE_MONITOR) {
      return { selector: { matchLabels: featureLabels(group.name, 'metrics') }, endpoints };
    }
    return { selector: { matchLabels: this.podSelector }, podMetricsEndpoints: endpoints };
  }

  /** Labels selecting every pod of the group (the controller's group label). */
  public get podSelector(): Record<string, string> {
    const group = this.props.group;
    return { [group.rbg.groupLabel]: group.name };
  }

  private metricsServiceSpec(): k8s.ServiceSpec {
    const group = this.props.group;
    const ports: k8s.ServicePort[] = [
      { name: HTTP_PORT_NAME, port: group.prefill.httpPort, targetPort: k8s.IntOrString.fromString(HTTP_PORT_NAME), protocol: 'TCP' },
    ];
    if (this.scrapesRouter) {
      ports.push({ name: METRICS_PORT_NAME, port: group.router.metricsPort, targetPort: k8s.IntOrString.fromString(METRICS_PORT_NAME), protocol: 'TCP' });
    }
    // Headless: Prometheus scrapes each pod, nothing load-balances through it.
    return { clusterIp: 'None', selector: this.podSelector, ports };
  }
}

/** The entries of `labels` whose keys `base` does not have. */
function withoutKeys(labels: Record<string, string>, base: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([key]) => !(key in base)));
}

function labelsOrEmpty(labels: unknown): Record<string, string> {
  return labels !== null && typeof labels === 'object' && !Array.isArray(labels) ? { ...labels as Record<string, string> } : {};
}
