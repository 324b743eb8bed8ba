import { Chart } from 'cdk8s';
import { ModelSource, PdServingGroup, PdServingGroupProps, QwenModel, QwenModelVolume } from '../lib';

/**
 * The ACK tutorial topology in `chart`: Qwen3-32B from OSS (placeholder bucket), 2 prefill +
 * 1 decode at TP=2; `overrides` change any group prop (controller release, router, ...).
 */
export function tutorialGroup(chart: Chart, overrides: Partial<PdServingGroupProps> = {}): PdServingGroup {
  const model = new QwenModelVolume(chart, 'model', {
    model: QwenModel.QWEN3_32B,
    source: ModelSource.oss({ bucket: 'your-bucket-name', endpoint: 'oss-cn-hangzhou-internal.aliyuncs.com', path: '/Qwen3-32B/' }),
  });
  return new PdServingGroup(chart, 'pd', {
    name: 'sglang-pd',
    model,
    engine: { tensorParallelSize: 2 },
    prefill: { replicas: 2 },
    decode: { replicas: 1 },
    ...overrides,
  });
}
