import { App, Chart, Duration } from 'cdk8s';
import { tutorialGroup } from './tutorial';

/**
 * The tutorial deployment scraped by the Prometheus Operator: a PodMonitor on the servers' `http`
 * port and the router's `metrics` port, labelled for a Prometheus that selects `release: prometheus`.
 */
export function monitoring(app: App): Chart {
  const chart = new Chart(app, 'monitoring');
  const group = tutorialGroup(chart);
  group.enableMonitoring({ interval: Duration.seconds(15), labels: { release: 'prometheus' } });
  return chart;
}
