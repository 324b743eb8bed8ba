import { App, Chart, Duration } from 'cdk8s';
import { tutorialGroup } from './tutorial';

/**
 * The tutorial deployment scraped by the Prometheus Operator: a PodMonitor on the servers' `http`
 * port and the router's `metrics` port, labelled for a Prometheus that selects `release: prometheus`.
 */
export function monitoring(app: App): Chart {
  const chart = new Chart(app, 'monitoring');
  // The group's NetworkPolicies deny scraping unless the scrapers are named: any Prometheus pod.
  const group = tutorialGroup(chart, { networkIsolation: { metricsScrapers: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } }, metricsScraperNamespaces: {} } });
  group.enableMonitoring({ interval: Duration.seconds(15), labels: { release: 'prometheus' } });
  return chart;
}
