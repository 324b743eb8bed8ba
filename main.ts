import { App, Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import {
  GpuProfile, ModelSource, PdServingGroup, QwenModel, QwenModelVolume, RbgTarget, RdmaProfile, RouterDiscovery, synthesize,
} from './lib';

/**
 * The ACK tutorial deployment: Qwen3-32B on OSS, 2 prefill + 1 decode (TP=2 each) over eRDMA,
 * router behind Service `sglang-pd:8000`.
 *
 * Replace the bucket and endpoint placeholders with your own before `kubectl apply -f dist`.
 * The Secret `oss-secret` (keys `akId`, `akSecret`) must already exist in the namespace.
 */
export class SglangPdChart extends Chart {
  public readonly group: PdServingGroup;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const model = new QwenModelVolume(this, 'model', {
      model: QwenModel.QWEN3_32B,
      source: ModelSource.oss({
        bucket: 'your-bucket-name', // placeholder: the bucket holding Qwen3-32B
        endpoint: 'oss-cn-hangzhou-internal.aliyuncs.com', // placeholder: your bucket's region endpoint
        path: '/Qwen3-32B/',
        secretName: 'oss-secret',
      }),
    });
    this.group = new PdServingGroup(this, 'pd', {
      name: 'sglang-pd',
      model,
      prefill: { replicas: 2, tensorParallelSize: 2 },
      decode: { replicas: 1, tensorParallelSize: 2 },
      router: { discovery: RouterDiscovery.STATIC },
      rdma: RdmaProfile.erdma(),
      rbg: RbgTarget.V0_7,
      gpu: GpuProfile.L20, // ecs.ebmgn8is.32xlarge: 8 x L20 48 GB per node
    });
  }
}

if (require.main === module) {
  const app = new App();
  new SglangPdChart(app, 'sglang-pd');
  synthesize(app);
}
