import { App, Chart, Duration } from 'cdk8s';
import { tutorialGroup } from './tutorial';

/**
 * The tutorial deployment behind a Gateway with the Inference Extension: an InferencePool of the
 * router pods, using the endpoint picker Service `sglang-pd-epp`, and an HTTPRoute from the
 * Gateway `inference-gateway` in namespace `gateway-system`.
 */
export function inferenceGateway(app: App): Chart {
  const chart = new Chart(app, 'inference-gateway', { namespace: 'llm' });
  // The Gateway's proxy runs in another namespace: the router's NetworkPolicy admits every namespace.
  const group = tutorialGroup(chart, { networkIsolation: { clientNamespaces: {} } });
  group.exposeThroughInferenceGateway({
    gateway: 'inference-gateway',
    gatewayNamespace: 'gateway-system',
    requestTimeout: Duration.minutes(10),
  });
  return chart;
}
