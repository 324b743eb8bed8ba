import { App, Chart } from 'cdk8s';
import { FluidCacheMedium, ModelSource, PdServingGroup, QwenModel, QwenModelVolume } from '../lib';

/**
 * The tutorial's 2P1D Qwen3-32B group reading its weights through a Fluid distributed cache:
 * a Dataset over the same OSS directory, a JindoRuntime with 2 memory-cache workers sized from
 * the 65.5 GB of weights (34 GiB each), and a DataLoad that warms the cache. The pods mount the
 * claim `qwen3-32b-cache` that Fluid creates for the Dataset.
 */
export function fluidCache(app: App): Chart {
  const chart = new Chart(app, 'fluid-cache', { namespace: 'llm' });
  const model = new QwenModelVolume(chart, 'model', {
    model: QwenModel.QWEN3_32B,
    claimName: 'qwen3-32b-cache',
    source: ModelSource.fluid({
      bucket: 'your-bucket-name',
      endpoint: 'oss-cn-hangzhou-internal.aliyuncs.com',
      path: '/Qwen3-32B/',
      cacheMedium: FluidCacheMedium.MEMORY,
      cacheWorkers: 2,
    }),
  });
  new PdServingGroup(chart, 'pd', {
    name: 'sglang-pd',
    model,
    engine: { tensorParallelSize: 2 },
    prefill: { replicas: 2 },
    decode: { replicas: 1 },
  });
  return chart;
}
