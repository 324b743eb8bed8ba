import { App, Chart } from 'cdk8s';
import { ModelSource, PdServingGroup, QwenModel, QwenModelVolume, RouterDiscovery, RouterPolicy } from '../lib';

/**
 * The tutorial topology in namespace `llm`, with the router discovering prefill and decode pods
 * through the Kubernetes API (so scaling a role needs no router re-render).
 */
export function kubernetesDiscovery(app: App): Chart {
  const chart = new Chart(app, 'kubernetes-discovery', { namespace: 'llm' });
  const model = new QwenModelVolume(chart, 'model', {
    model: QwenModel.QWEN3_32B,
    source: ModelSource.oss({ bucket: 'your-bucket-name', endpoint: 'oss-cn-hangzhou-internal.aliyuncs.com', path: '/Qwen3-32B/' }),
  });
  new PdServingGroup(chart, 'pd', {
    name: 'sglang-pd',
    model,
    engine: { tensorParallelSize: 2 },
    prefill: { replicas: 2 },
    decode: { replicas: 1 },
    router: { discovery: RouterDiscovery.KUBERNETES, policy: RouterPolicy.CACHE_AWARE },
  });
  return chart;
}
