import { App, Chart } from 'cdk8s';
import { RouterDiscovery, RouterPolicy } from '../lib';
import { tutorialGroup } from './tutorial';

/**
 * The tutorial topology in namespace `llm`, with the router discovering prefill and decode pods
 * through the Kubernetes API (so scaling a role needs no router re-render).
 */
export function kubernetesDiscovery(app: App): Chart {
  const chart = new Chart(app, 'kubernetes-discovery', { namespace: 'llm' });
  tutorialGroup(chart, { router: { discovery: RouterDiscovery.KUBERNETES, policy: RouterPolicy.CACHE_AWARE } });
  return chart;
}
