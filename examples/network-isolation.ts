import { App, Chart } from 'cdk8s';
import { LabelSelectorOperator } from '../lib';
import { tutorialGroup } from './tutorial';

/**
 * The tutorial topology in namespace `llm`, reachable only from the ingress controller's pods in
 * namespace `ingress-nginx` (router HTTP port) and scraped by Prometheus from namespace
 * `monitoring`; everything else to the group's pods is denied by its NetworkPolicies.
 */
export function networkIsolation(app: App): Chart {
  const chart = new Chart(app, 'network-isolation', { namespace: 'llm' });
  tutorialGroup(chart, {
    networkIsolation: {
      clients: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
      clientNamespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
      metricsScrapers: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: LabelSelectorOperator.IN, values: ['prometheus'] }] },
      metricsScraperNamespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
    },
  });
  return chart;
}
