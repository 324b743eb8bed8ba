import { App, Chart } from 'cdk8s';
import { ModelSource, PdServingGroup, QwenModel, QwenModelVolume, RbgTarget } from '../lib';

/**
 * The tutorial deployment for clusters still running the ack-rbgs v0.4 controller
 * (v1alpha1, headless Services without the `s-` prefix).
 */
export function rbgV04(app: App): Chart {
  const chart = new Chart(app, 'rbg-v04');
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
    rbg: RbgTarget.V0_4,
  });
  return chart;
}
