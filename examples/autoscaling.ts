import { App, Chart } from 'cdk8s';
import { RouterDiscovery, ScalingMetric } from '../lib';
import { tutorialGroup } from './tutorial';

/**
 * The tutorial topology with both server roles autoscaled on SGLang metrics: prefill 2-4 pods on
 * queued requests, decode 1-2 pods on KV cache usage, the P:D ratio kept between 1 and 4 at every
 * reachable pair, on 2 L20 nodes. The router discovers workers by labels, and a PodMonitor
 * feeds the metrics the HPAs read (through a custom metrics adapter).
 */
export function autoscaling(app: App): Chart {
  const chart = new Chart(app, 'autoscaling', { namespace: 'llm' });
  const group = tutorialGroup(chart, {
    router: { discovery: RouterDiscovery.KUBERNETES },
    prefill: { autoscaling: { minReplicas: 2, maxReplicas: 4, metric: ScalingMetric.queuedRequests(5) } },
    decode: { autoscaling: { minReplicas: 1, maxReplicas: 2, metric: ScalingMetric.kvCacheUsage(0.8) } },
    replicaRatio: { minPrefillPerDecode: 1, maxPrefillPerDecode: 4 },
    cluster: { nodes: 2 },
    // The PodMonitor's Prometheus must reach the servers' metrics through the NetworkPolicies.
    networkIsolation: { metricsScrapers: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } }, metricsScraperNamespaces: {} },
  });
  group.enableMonitoring();
  return chart;
}
