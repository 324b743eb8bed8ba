/* PdServingGroup.enableMonitoring and the ARMS labels of the server pods. */
import { Chart, Duration, Testing } from 'cdk8s';
import { tutorialGroup } from '../examples/tutorial';
import { MonitorKind, PdServingGroupProps, RbgTarget } from '../lib';
import { errorLines, strictSynth, warningLines } from './support/check';
import { validateManifests } from './schema/strict-schema';
import { container, findObject, Manifest, podTemplate } from './util';

const ROLES = ['prefill', 'decode', 'router'];

function synth(overrides: Partial<PdServingGroupProps> = {}, options: Parameters<ReturnType<typeof tutorialGroup>['enableMonitoring']>[0] = {}): Manifest[] {
  const chart = Testing.chart();
  tutorialGroup(chart, overrides).enableMonitoring(options);
  return strictSynth(chart);
}

/** The roles a keep relabeling on the role label admits. */
function keptRoles(endpoint: any, roleMeta: string): string[] {
  const keep = endpoint.relabelings.filter((r: any) => r.action === 'keep');
  expect(keep).toHaveLength(1);
  expect(keep[0].sourceLabels).toEqual([roleMeta]);
  const re = new RegExp(`^(?:${keep[0].regex})$`); // Prometheus anchors relabel regexes
  return ROLES.filter((r) => re.test(r));
}

/** Container port names of a role. */
const portNames = (rbg: Manifest, role: string): string[] => container(rbg, role).ports.map((p: any) => p.name);

describe('ARMS labels (ACK managed Prometheus)', () => {
  test('GIVEN the default group WHEN synthesized THEN prefill and decode pods carry the inference-workload labels, the router does not', () => {
    const chart = Testing.chart();
    tutorialGroup(chart);
    const rbg = findObject(strictSynth(chart), 'RoleBasedGroup', 'sglang-pd');
    for (const role of ['prefill', 'decode']) {
      expect(podTemplate(rbg, role).metadata.labels).toMatchObject({
        'alibabacloud.com/inference-workload': 'sglang-pd',
        'alibabacloud.com/inference-backend': 'sglang',
      });
      // ARMS scrapes the port named http at /metrics: the server listens there with --enable-metrics
      expect(portNames(rbg, role)).toContain('http');
      expect(container(rbg, role).args).toContain('--enable-metrics');
    }
    expect(Object.keys(podTemplate(rbg, 'router').metadata.labels).filter((k) => k.startsWith('alibabacloud.com/'))).toEqual([]);
  });

  test('GIVEN inferenceWorkloadLabels: false on decode WHEN synthesized THEN only prefill carries them', () => {
    const chart = Testing.chart();
    tutorialGroup(chart, { decode: { replicas: 1, inferenceWorkloadLabels: false } });
    const rbg = findObject(strictSynth(chart), 'RoleBasedGroup', 'sglang-pd');
    expect(podTemplate(rbg, 'prefill').metadata.labels['alibabacloud.com/inference-workload']).toBe('sglang-pd');
    expect(podTemplate(rbg, 'decode').metadata.labels['alibabacloud.com/inference-workload']).toBeUndefined();
  });

  test('GIVEN inferenceWorkloadLabels that is not a boolean WHEN validated THEN our error names the field', () => {
    const chart = Testing.chart();
    tutorialGroup(chart, { prefill: { inferenceWorkloadLabels: 'yes' as unknown as boolean } });
    expect(errorLines(chart)).toEqual(['test/pd/prefill inferenceWorkloadLabels="yes": must be true or false']);
  });
});

describe.each([
  ['v0.7', RbgTarget.V0_7, 'rbg.workloads.x-k8s.io/group-name', 'rbg_workloads_x_k8s_io_group_name', 'rbg_workloads_x_k8s_io_role_name'],
  ['v0.4', RbgTarget.V0_4, 'rolebasedgroup.workloads.x-k8s.io/name', 'rolebasedgroup_workloads_x_k8s_io_name', 'rolebasedgroup_workloads_x_k8s_io_role'],
])('PodMonitor for RBG %s', (_release, rbgTarget, groupLabel, groupMetaSuffix, roleMetaSuffix) => {
  // GIVEN the tutorial group WHEN monitoring is enabled
  const manifests = synth({ rbg: rbgTarget });
  const rbg = findObject(manifests, 'RoleBasedGroup', 'sglang-pd');
  const monitor = findObject(manifests, 'PodMonitor', 'sglang-pd');
  const roleMeta = `__meta_kubernetes_pod_label_${roleMetaSuffix}`;

  test('selects every pod of the group by the label the controller puts on them', () => {
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.spec.selector).toEqual({ matchLabels: { [groupLabel]: 'sglang-pd' } });
    // the same label (and value) the group's Service selects router pods by
    expect(findObject(manifests, 'Service', 'sglang-pd').spec.selector[groupLabel]).toBe('sglang-pd');
  });

  test('scrapes /metrics on the http port of prefill and decode, and on the router\'s metrics port', () => {
    const [servers, router] = monitor.spec.podMetricsEndpoints;
    expect({ port: servers.port, path: servers.path }).toEqual({ port: 'http', path: '/metrics' });
    expect(keptRoles(servers, roleMeta)).toEqual(['prefill', 'decode']);
    expect({ port: router.port, path: router.path }).toEqual({ port: 'metrics', path: '/metrics' });
    expect(keptRoles(router, roleMeta)).toEqual(['router']);
    // every kept role has a container port of that name
    for (const role of ['prefill', 'decode']) expect(portNames(rbg, role)).toContain('http');
    expect(portNames(rbg, 'router')).toContain('metrics');
    const routerPort = container(rbg, 'router').ports.find((p: any) => p.name === 'metrics').containerPort;
    const args: string[] = container(rbg, 'router').args;
    expect(args[args.indexOf('--prometheus-port') + 1]).toBe(String(routerPort));
    expect(args[args.indexOf('--prometheus-host') + 1]).toBe('0.0.0.0');
  });

  test('keeps group and role as the labels "group" and "role" of every series', () => {
    for (const endpoint of monitor.spec.podMetricsEndpoints) {
      const copies = endpoint.relabelings.filter((r: any) => r.action === 'replace').map((r: any) => [r.sourceLabels, r.targetLabel]);
      expect(copies).toEqual([[[`__meta_kubernetes_pod_label_${groupMetaSuffix}`], 'group'], [[roleMeta], 'role']]);
    }
  });
});

describe('monitoring options', () => {
  test('GIVEN an interval and labels WHEN synthesized THEN every endpoint has the interval and the monitor the labels', () => {
    const monitor = findObject(synth({}, { interval: Duration.seconds(15), labels: { release: 'prometheus' } }), 'PodMonitor', 'sglang-pd');
    expect(monitor.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'sglang', 'app.kubernetes.io/instance': 'sglang-pd', 'app.kubernetes.io/component': 'monitoring', release: 'prometheus',
    });
    expect(monitor.spec.podMetricsEndpoints.map((e: any) => e.interval)).toEqual(['15s', '15s']);
  });

  test('GIVEN scrapeRouter: false WHEN synthesized THEN only the servers are scraped', () => {
    const monitor = findObject(synth({}, { scrapeRouter: false }), 'PodMonitor', 'sglang-pd');
    expect(monitor.spec.podMetricsEndpoints.map((e: any) => e.port)).toEqual(['http']);
  });

  describe('MonitorKind.SERVICE_MONITOR', () => {
    // GIVEN a ServiceMonitor WHEN synthesized
    const manifests = synth({}, { kind: MonitorKind.SERVICE_MONITOR });
    const rbg = findObject(manifests, 'RoleBasedGroup', 'sglang-pd');
    const svc = findObject(manifests, 'Service', 'sglang-pd-metrics');
    const monitor = findObject(manifests, 'ServiceMonitor', 'sglang-pd');

    test('matches the reviewed snapshot', () => {
      expect([svc, monitor]).toMatchSnapshot();
    });

    test('the ServiceMonitor selects the metrics Service, which selects every pod of the group', () => {
      expect(manifests.filter((m) => m.kind === 'PodMonitor')).toEqual([]);
      expect(svc.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
      expect(svc.spec.selector).toEqual({ 'rbg.workloads.x-k8s.io/group-name': 'sglang-pd' });
      expect(svc.spec.clusterIP).toBe('None');
      for (const role of ROLES) expect(podTemplate(rbg, role).metadata.labels['app.kubernetes.io/component']).toBe(role);
    });

    test('the Service ports target the named container ports, and the endpoints scrape them', () => {
      expect(svc.spec.ports).toEqual([
        { name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' },
        { name: 'metrics', port: 29000, targetPort: 'metrics', protocol: 'TCP' },
      ]);
      expect(monitor.spec.endpoints.map((e: any) => [e.port, e.path])).toEqual([['http', '/metrics'], ['metrics', '/metrics']]);
      const meta = '__meta_kubernetes_pod_label_rbg_workloads_x_k8s_io_role_name';
      expect(keptRoles(monitor.spec.endpoints[0], meta)).toEqual(['prefill', 'decode']);
      expect(keptRoles(monitor.spec.endpoints[1], meta)).toEqual(['router']);
    });
  });

  test('GIVEN a PodMonitor or ServiceMonitor on each RBG target WHEN synthesized THEN every object validates against its CRD', () => {
    for (const rbg of RbgTarget.ALL) {
      for (const kind of [MonitorKind.POD_MONITOR, MonitorKind.SERVICE_MONITOR]) {
        expect(validateManifests(synth({ rbg }, { kind, interval: Duration.seconds(30) }))).toEqual([]);
      }
    }
  });
});

describe('monitoring rules', () => {
  function errorsOf(build: (chart: Chart) => void): string[] {
    const chart = Testing.chart();
    build(chart);
    return errorLines(chart);
  }

  test('GIVEN enableMonitoring called twice WHEN validated THEN our error names the call', () => {
    expect(errorsOf((chart) => {
      const g = tutorialGroup(chart);
      g.enableMonitoring();
      expect(g.enableMonitoring()).toBe(g.node.findChild('Monitoring'));
    })).toEqual(['test/pd/Monitoring enableMonitoring=2: is called more than once on this group; a group has one monitor: call it once, with every option']);
  });

  test('GIVEN a server with enableMetrics: false WHEN monitoring is enabled THEN our error names the field', () => {
    expect(errorsOf((chart) => tutorialGroup(chart, { decode: { enableMetrics: false } }).enableMonitoring())).toEqual([
      'test/pd/Monitoring decode.enableMetrics=false: must stay on with enableMonitoring: the monitor scrapes /metrics of the decode servers, which SGLang only serves with --enable-metrics',
    ]);
  });

  test('GIVEN bad options from JavaScript WHEN validated THEN each is reported with its field', () => {
    const lines = errorsOf((chart) => tutorialGroup(chart).enableMonitoring({
      kind: 'Prometheus' as MonitorKind,
      interval: Duration.millis(1500),
      labels: { 'bad key!': 'v', release: 'not a label value' },
      scrapeRouter: 'no' as unknown as boolean,
    }));
    expect(lines.map((l) => l.split(': ')[0])).toEqual([
      'test/pd/Monitoring kind="Prometheus"',
      'test/pd/Monitoring interval="1500ms"',
      'test/pd/Monitoring labels="bad key!"',
      'test/pd/Monitoring labels.release="not a label value"',
      'test/pd/Monitoring scrapeRouter="no"',
    ]);
    expect(lines[0]).toMatch(/must be MonitorKind.POD_MONITOR or MonitorKind.SERVICE_MONITOR/);
  });
});

describe('monitoring and network isolation', () => {
  const warnings = (overrides: Partial<PdServingGroupProps>): string[] => {
    const chart = Testing.chart();
    tutorialGroup(chart, overrides).enableMonitoring();
    return warningLines(chart).filter((w) => w.includes('metricsScrapers'));
  };

  test('a monitored group whose NetworkPolicies admit no scraper gets a warning naming networkIsolation.metricsScrapers', () => {
    // GIVEN the default isolation (no metricsScrapers) WHEN monitoring is enabled
    // THEN the user is told Prometheus cannot reach the metrics ports
    expect(warnings({})).toEqual([expect.stringContaining('networkIsolation.metricsScrapers=unset: names no pod, so the group\'s NetworkPolicies deny Prometheus')]);
  });

  test('no warning once scrapers are named, or without NetworkPolicies', () => {
    expect(warnings({ networkIsolation: { metricsScrapers: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } } })).toEqual([]);
    expect(warnings({ networkIsolation: { enabled: false } })).toEqual([]);
  });
});
